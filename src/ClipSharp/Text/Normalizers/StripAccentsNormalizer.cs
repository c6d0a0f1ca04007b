using System.Globalization;
using System.Text;

namespace ClipSharp.Text.Normalizers;

/// <summary>
/// <c>StripAccents</c>: removes every combining mark (Mn, Mc, Me: the Rust library's <c>is_combining_mark</c>); meant
/// to follow NFD. (BertNormalizer's accent stripping removes only nonspacing marks.)
/// </summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override string Normalize(string text) => RemoveMarks(text, nonspacingOnly: false);

    /// <summary>The text without its marks (all of them, or only the nonspacing ones).</summary>
    internal static string RemoveMarks(string text, bool nonspacingOnly)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune r in text.EnumerateRunes())
        {
            UnicodeCategory c = Rune.GetUnicodeCategory(r);
            bool mark = c == UnicodeCategory.NonSpacingMark
                || (!nonspacingOnly && c is UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);
            if (!mark)
            {
                sb.Append(r.ToString());
            }
        }

        return sb.ToString();
    }
}
