namespace ClipSharp.Text;

/// <summary>Overrides for <see cref="ClipTokenizer.Load"/>.</summary>
public sealed class ClipTokenizerOptions
{
    /// <summary>
    /// Number of ids per tokenized text (SOT and EOT included). Null keeps tokenizer_config.json's
    /// <c>model_max_length</c> when present and sane, else 77. Must be at least 2.
    /// </summary>
    public int? ContextLength { get; set; }

    /// <summary>
    /// Id written after the end-of-text token. Null keeps tokenizer_config.json's <c>pad_token</c> when the
    /// file declares one, else 0 (what OpenAI's <c>clip.tokenize</c> uses).
    /// </summary>
    public int? PadId { get; set; }
}
