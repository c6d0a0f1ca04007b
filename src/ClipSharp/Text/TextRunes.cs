using System.Text;

namespace ClipSharp.Text;

/// <summary>Character helpers shared by the <c>tokenizer.json</c> pipeline stages, with the Rust library's definitions.</summary>
internal static class TextRunes
{
    /// <summary>Unicode White_Space (Rust's <c>char::is_whitespace</c>); every such character is in the BMP.</summary>
    public static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c);

    /// <summary>
    /// Each character lowercased on its own with the full Unicode mapping (Rust's <c>char::to_lowercase</c>): U+0130
    /// becomes "i\u0307" and Σ is always σ, never the final ς that <c>str.lower()</c> would write at a word's end.
    /// </summary>
    public static string Lowercase(string text)
    {
        int sigma = text.IndexOf('Σ', StringComparison.Ordinal);
        if (sigma < 0)
        {
            return UnicodeData.PythonLower(text);
        }

        // Python's lower() differs from a per-character mapping only for Σ, so lower the runs between them.
        var sb = new StringBuilder(text.Length + 8);
        int start = 0;
        while (sigma >= 0)
        {
            sb.Append(UnicodeData.PythonLower(text[start..sigma])).Append('σ');
            start = sigma + 1;
            sigma = text.IndexOf('Σ', start);
        }

        return sb.Append(UnicodeData.PythonLower(text[start..])).ToString();
    }

    /// <summary>The text with unpaired surrogates replaced by U+FFFD (what a UTF-8 round trip does to them).</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int i = 0;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                break;
            }
        }

        if (i == text.Length)
        {
            return text;
        }

        return string.Create(text.Length, text, static (dst, src) =>
        {
            for (int k = 0; k < src.Length; k++)
            {
                char c = src[k];
                if (char.IsHighSurrogate(c) && k + 1 < src.Length && char.IsLowSurrogate(src[k + 1]))
                {
                    dst[k] = c;
                    dst[k + 1] = src[k + 1];
                    k++;
                }
                else
                {
                    dst[k] = char.IsSurrogate(c) ? '\uFFFD' : c;
                }
            }
        });
    }
}
