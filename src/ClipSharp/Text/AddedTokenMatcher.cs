using System.Globalization;
using System.Text;

namespace ClipSharp.Text;

/// <summary>
/// Finds added tokens in a text as the Rust library does (an Aho-Corasick automaton, leftmost-longest): at the
/// leftmost position where any token starts the longest one wins, the search resumes after it; a match that fails
/// its single-word test, or a special token while special tokens are not parsed, is skipped (its span consumed).
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly CharTrie<AddedToken> _trie = new();

    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> tokens)
    {
        foreach ((string pattern, AddedToken token) in tokens)
        {
            if (pattern.Length == 0)
            {
                continue;
            }

            _trie.Add(pattern, token); // a content listed twice keeps its last entry
        }
    }

    /// <summary>
    /// The text cut into pieces covering it: (start, end, token) where token is the added token of that span, or
    /// null for text between tokens.
    /// </summary>
    public List<(int Start, int End, AddedToken? Token)> Split(string text, bool parseSpecial)
    {
        var result = new List<(int, int, AddedToken?)>();
        int consumed = 0;
        for (int i = 0; i < text.Length;)
        {
            (int end, AddedToken? token) = LongestAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }

            int start = i;
            i = end;
            if ((token.Special && !parseSpecial) || (token.SingleWord && !IsSingleWord(text, start, end)))
            {
                continue;
            }

            if (token.LStrip)
            {
                int s = start;
                while (s > consumed && TextRunes.IsWhiteSpace(text[s - 1]))
                {
                    s--;
                }

                start = s;
            }

            if (token.RStrip)
            {
                while (end < text.Length && TextRunes.IsWhiteSpace(text[end]))
                {
                    end++;
                }

                i = end;
            }

            if (consumed < start)
            {
                result.Add((consumed, start, null));
            }

            result.Add((start, end, token));
            consumed = end;
        }

        if (consumed < text.Length)
        {
            result.Add((consumed, text.Length, null));
        }

        return result;
    }

    private (int End, AddedToken? Token) LongestAt(string text, int start)
    {
        int node = CharTrie<AddedToken>.Root;
        (int, AddedToken?) best = (start, null);
        for (int k = start; k < text.Length; k++)
        {
            if (!_trie.Step(ref node, text[k]))
            {
                break;
            }

            if (_trie.TryGetValue(node, out AddedToken? t))
            {
                best = (k + 1, t);
            }
        }

        return best;
    }

    /// <summary>No word character (the regex crate's Unicode <c>\w</c>) right before or right after the match.</summary>
    private static bool IsSingleWord(string text, int start, int end)
    {
        if (start > 0 && Rune.DecodeLastFromUtf16(text.AsSpan(0, start), out Rune before, out _) == System.Buffers.OperationStatus.Done && IsWordChar(before))
        {
            return false;
        }

        return !(end < text.Length && Rune.DecodeFromUtf16(text.AsSpan(end), out Rune after, out _) == System.Buffers.OperationStatus.Done && IsWordChar(after));
    }

    private static bool IsWordChar(Rune r) => r.Value is 0x200C or 0x200D || Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
        or UnicodeCategory.LetterNumber or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
        or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
}
