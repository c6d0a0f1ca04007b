using System.Globalization;
using System.Text;

namespace ClipSharp.Text.Normalizers;

/// <summary><c>StripAccents</c>: removes nonspacing marks (Mn); meant to follow NFD, as in the Rust library.</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override string Normalize(string text) => RemoveNonspacingMarks(text);

    internal static string RemoveNonspacingMarks(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune r in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark)
            {
                sb.Append(r.ToString());
            }
        }

        return sb.ToString();
    }
}
