namespace ClipSharp.Text;

/// <summary>Options of <see cref="HuggingFaceTokenizer.Load"/>; every one defaults to what the tokenizer file says.</summary>
public sealed class HuggingFaceTokenizerOptions
{
    /// <summary>
    /// Truncate and pad every text to exactly this many ids, special tokens included (e.g. 64 for SigLIP), instead of
    /// the file's <c>truncation</c> and <c>padding</c>. Null: as the file says.
    /// </summary>
    public int? Length { get; init; }

    /// <summary>The id written into padding; null: the file's <c>padding.pad_id</c>, else its <c>&lt;pad&gt;</c> token.</summary>
    public int? PadId { get; init; }

    /// <summary>Whether the post-processor frames texts with its special tokens (BOS, EOS, CLS, SEP…). Default true.</summary>
    public bool AddSpecialTokens { get; init; } = true;

    /// <summary>
    /// Whether special tokens written in a text (e.g. "&lt;/s&gt;") become their ids. Default true, as the Hugging Face
    /// library does; false treats their text like any other text.
    /// </summary>
    public bool ParseSpecialTokens { get; init; } = true;

    /// <summary>Longest text accepted, in UTF-16 code units (bounds the memory one text can take). Default 1,000,000.</summary>
    public int MaxTextLength { get; init; } = 1_000_000;
}
