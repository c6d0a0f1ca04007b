using System.Text;

namespace ClipSharp.Text.PreTokenizers;

/// <summary>
/// A <c>pre_tokenizer</c> of a <c>tokenizer.json</c>: splits each piece of a text into smaller pieces (and may
/// rewrite them, as ByteLevel and Metaspace do). Immutable and thread-safe.
/// </summary>
internal abstract class PreTokenizerStep
{
    /// <summary>Appends the pieces <paramref name="piece"/> becomes to <paramref name="output"/>.</summary>
    public abstract void Split(PreToken piece, List<PreToken> output);

    /// <summary>Applies this step to every piece, in order.</summary>
    public virtual List<PreToken> Apply(List<PreToken> pieces)
    {
        var output = new List<PreToken>(pieces.Count * 2);
        foreach (PreToken p in pieces)
        {
            Split(p, output);
        }

        return output;
    }

    /// <summary>Builds the pre-tokenizer a <c>tokenizer.json</c> object describes.</summary>
    /// <exception cref="ClipSharpException">The type is unknown or a field is malformed; the message names both and the file.</exception>
    public static PreTokenizerStep Create(TokenizerJsonNode node) => node.Type switch
    {
        "ByteLevel" => new ByteLevelPreTokenizer(node.Bool("add_prefix_space", true), node.Bool("use_regex", true)),
        "Metaspace" => MetaspacePreTokenizer.FromNode(node),
        "Whitespace" => new PatternPreTokenizer(TextPattern.Oniguruma(@"\w+|[^\w\s]+"), SplitBehavior.Removed, invert: true),
        "WhitespaceSplit" => new CharClassPreTokenizer(r => Rune.IsWhiteSpace(r), SplitBehavior.Removed),
        "Split" => new PatternPreTokenizer(node.Pattern("pattern"), Splitter.ParseBehavior(node, "behavior", SplitBehavior.Removed), node.Bool("invert", false)),
        "Punctuation" => new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation, Splitter.ParseBehavior(node, "behavior", SplitBehavior.Isolated)),
        "Digits" => new CharClassPreTokenizer(
            CharClassPreTokenizer.IsNumeric, node.Bool("individual_digits", false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous),
        "CharDelimiterSplit" => CharDelimiter(node),
        "BertPreTokenizer" => new SequencePreTokenizer([
            new CharClassPreTokenizer(r => Rune.IsWhiteSpace(r), SplitBehavior.Removed),
            new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation, SplitBehavior.Isolated)]),
        "Sequence" => new SequencePreTokenizer([.. node.Objects("pretokenizers").Select(Create)]),
        _ => throw node.Unsupported("pre_tokenizer"),
    };

    private static CharClassPreTokenizer CharDelimiter(TokenizerJsonNode node)
    {
        string d = node.String("delimiter");
        if (!Rune.TryGetRuneAt(d, 0, out Rune delimiter) || delimiter.Utf16SequenceLength != d.Length)
        {
            throw node.Error("delimiter must be one character");
        }

        return new CharClassPreTokenizer(r => r == delimiter, SplitBehavior.Removed);
    }
}
