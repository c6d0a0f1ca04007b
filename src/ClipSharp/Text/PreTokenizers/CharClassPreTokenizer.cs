using System.Globalization;
using System.Text;

namespace ClipSharp.Text.PreTokenizers;

/// <summary>
/// Splits at every character of a class (each one a delimiter): <c>WhitespaceSplit</c>, <c>Punctuation</c>,
/// <c>Digits</c>, <c>CharDelimiterSplit</c> and the two halves of <c>BertPreTokenizer</c>.
/// </summary>
internal sealed class CharClassPreTokenizer(Func<Rune, bool> isDelimiter, SplitBehavior behavior) : PreTokenizerStep
{
    /// <summary>ASCII punctuation or a Unicode punctuation category (P*), as the Rust library's <c>is_punc</c>.</summary>
    public static bool IsPunctuation(Rune r)
    {
        int c = r.Value;
        if (c < 0x80)
        {
            return c is (>= 0x21 and <= 0x2F) or (>= 0x3A and <= 0x40) or (>= 0x5B and <= 0x60) or (>= 0x7B and <= 0x7E);
        }

        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>Rust's <c>char::is_numeric</c>: Nd, Nl or No.</summary>
    public static bool IsNumeric(Rune r)
        => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    public override void Split(PreToken piece, List<PreToken> output) => Splitter.Split(piece, isDelimiter, behavior, output);
}
