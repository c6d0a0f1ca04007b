namespace ClipSharp.Text;

/// <summary>
/// CLIP's pre-tokenization regex, <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// with the <c>regex</c> module's IGNORECASE semantics, as a scanner over code points (so astral letters
/// and emoji are classified by code point, not by UTF-16 unit).
/// </summary>
internal static class PreTokenizer
{
    private const string StartOfText = "<|startoftext|>";
    private const string EndOfText = "<|endoftext|>";

    /// <summary>Finds the next pre-token at or after <paramref name="pos"/>; false at the end of the text.</summary>
    internal static bool Next(ReadOnlySpan<char> text, ref int pos, out int start, out int length)
    {
        while (pos < text.Length)
        {
            int i = pos;
            int cp = CodePoint(text, i, out int cpLen);
            if (cp == '<' && (MatchesIgnoreCase(text, i, StartOfText) || MatchesIgnoreCase(text, i, EndOfText)))
            {
                int len = MatchesIgnoreCase(text, i, StartOfText) ? StartOfText.Length : EndOfText.Length;
                return Emit(ref pos, i, len, out start, out length);
            }

            if (cp == '\'')
            {
                int contraction = ContractionLength(text, i);
                if (contraction > 0)
                {
                    return Emit(ref pos, i, contraction, out start, out length);
                }
            }

            if (UnicodeData.IsLetter(cp))
            {
                int e = i + cpLen;
                while (e < text.Length)
                {
                    int c = CodePoint(text, e, out int l);
                    if (!UnicodeData.IsLetter(c))
                    {
                        break;
                    }

                    e += l;
                }

                return Emit(ref pos, i, e - i, out start, out length);
            }

            if (UnicodeData.IsNumber(cp))
            {
                return Emit(ref pos, i, cpLen, out start, out length);
            }

            if (!UnicodeData.IsRegexSpace(cp))
            {
                int e = i + cpLen;
                while (e < text.Length)
                {
                    int c = CodePoint(text, e, out int l);
                    if (UnicodeData.IsRegexSpace(c) || UnicodeData.IsLetter(c) || UnicodeData.IsNumber(c))
                    {
                        break;
                    }

                    e += l;
                }

                return Emit(ref pos, i, e - i, out start, out length);
            }

            pos += cpLen;
        }

        start = length = 0;
        return false;
    }

    private static bool Emit(ref int pos, int i, int len, out int start, out int length)
    {
        start = i;
        length = len;
        pos = i + len;
        return true;
    }

    private static int ContractionLength(ReadOnlySpan<char> text, int i)
    {
        // Alternatives in the pattern's order: 's 't 're 've 'm 'll 'd
        char a = Fold(text, i + 1);
        char b = Fold(text, i + 2);
        return a switch
        {
            's' or 't' or 'm' or 'd' => 2,
            'r' or 'v' when b == 'e' => 3,
            'l' when b == 'l' => 3,
            _ => 0,
        };
    }

    private static bool MatchesIgnoreCase(ReadOnlySpan<char> text, int i, string literal)
    {
        if (i + literal.Length > text.Length)
        {
            return false;
        }

        for (int k = 0; k < literal.Length; k++)
        {
            if (Fold(text, i + k) != literal[k])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Simple case folding restricted to what can equal an ASCII letter: ASCII, U+017F (ſ) and U+212A (Kelvin).</summary>
    private static char Fold(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length)
        {
            return '\0';
        }

        char c = text[i];
        return c switch
        {
            >= 'A' and <= 'Z' => (char)(c | 0x20),
            '\u017F' => 's',
            '\u212A' => 'k',
            _ => c,
        };
    }

    private static int CodePoint(ReadOnlySpan<char> s, int i, out int length)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }

        length = 1;
        return c;
    }
}
