namespace ClipSharp.Text.Normalizers;

/// <summary>
/// A <c>normalizer</c> of a <c>tokenizer.json</c>: rewrites a text before it is split. Implementations are
/// immutable and thread-safe. Offsets are not tracked (only ids are produced).
/// </summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);

    /// <summary>Builds the normalizer a <c>tokenizer.json</c> object describes.</summary>
    /// <exception cref="ClipSharpException">The type is unknown or a field is malformed; the message names both and the file.</exception>
    public static Normalizer Create(TokenizerJsonNode node) => node.Type switch
    {
        "NFC" => new UnicodeFormNormalizer(compose: true, compatibility: false),
        "NFD" => new UnicodeFormNormalizer(compose: false, compatibility: false),
        "NFKC" => new UnicodeFormNormalizer(compose: true, compatibility: true),
        "NFKD" => new UnicodeFormNormalizer(compose: false, compatibility: true),
        "Lowercase" => new LowercaseNormalizer(),
        "Strip" => new StripNormalizer(node.Bool("strip_left", true), node.Bool("strip_right", true)),
        "StripAccents" => new StripAccentsNormalizer(),
        "Replace" => new ReplaceNormalizer(node.Pattern("pattern"), node.String("content")),
        "Prepend" => new PrependNormalizer(node.String("prepend")),
        "Precompiled" => PrecompiledNormalizer.FromBase64(node),
        "BertNormalizer" => new BertNormalizer(
            node.Bool("clean_text", true), node.Bool("handle_chinese_chars", true), node.OptionalBool("strip_accents"), node.Bool("lowercase", true)),
        "Sequence" => new SequenceNormalizer([.. node.Objects("normalizers").Select(Create)]),
        _ => throw node.Unsupported("normalizer"),
    };
}
