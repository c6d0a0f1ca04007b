using System.Globalization;
using System.Text;

namespace ClipSharp.Text.Normalizers;

/// <summary>
/// <c>BertNormalizer</c>: drops NUL, U+FFFD and "other" characters (Cc, Cf, Cn, Co, Cs) except tab/newline/CR,
/// turns White_Space into a space, puts spaces around CJK ideographs, strips accents (NFD then no Mn) and
/// lowercases. <c>strip_accents</c> null means "as <c>lowercase</c>".
/// </summary>
internal sealed class BertNormalizer(bool cleanText, bool handleChineseChars, bool? stripAccents, bool lowercase) : Normalizer
{
    public override string Normalize(string text)
    {
        if (cleanText || handleChineseChars)
        {
            var sb = new StringBuilder(text.Length + 8);
            foreach (Rune r in text.EnumerateRunes())
            {
                int cp = r.Value;
                if (cleanText)
                {
                    if (cp == 0 || cp == 0xFFFD || IsControl(r))
                    {
                        continue;
                    }

                    if (cp is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(r))
                    {
                        sb.Append(' ');
                        continue;
                    }
                }

                if (handleChineseChars && IsChinese(cp))
                {
                    sb.Append(' ').Append(r.ToString()).Append(' ');
                }
                else
                {
                    sb.Append(r.ToString());
                }
            }

            text = sb.ToString();
        }

        if (stripAccents ?? lowercase)
        {
            text = StripAccentsNormalizer.RemoveMarks(UnicodeData.Normalize(text, compose: false, compatibility: false), nonspacingOnly: true);
        }

        return lowercase ? TextRunes.Lowercase(text) : text;
    }

    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>The CJK ideograph blocks BERT separates (the Rust library's table).</summary>
    private static bool IsChinese(int cp) => cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF)
        or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F)
        or (>= 0x2B920 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
