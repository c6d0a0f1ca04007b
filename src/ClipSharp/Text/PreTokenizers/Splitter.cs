using System.Text;

namespace ClipSharp.Text.PreTokenizers;

/// <summary>
/// Splits a piece at delimiter matches with a <see cref="SplitBehavior"/>, exactly as the Rust library's
/// <c>NormalizedString::split</c>: the matches and the text between them cover the piece, the behavior merges or
/// drops, and empty results are dropped.
/// </summary>
internal static class Splitter
{
    public static SplitBehavior ParseBehavior(TokenizerJsonNode node, string name, SplitBehavior defaultValue)
        => node.OptionalString(name) switch
        {
            null => defaultValue,
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            string other => throw node.Error($"unsupported split behavior \"{other}\""),
        };

    /// <summary>Splits at the matches of a pattern (left to right, non-overlapping).</summary>
    public static void Split(PreToken piece, List<(int Start, int End)> matches, SplitBehavior behavior, bool invert, List<PreToken> output)
    {
        string text = piece.Text;
        var spans = new List<(int Start, int End, bool Match)>(matches.Count * 2 + 1);
        if (text.Length == 0)
        {
            spans.Add((0, 0, false));
        }
        else
        {
            int prev = 0;
            foreach ((int start, int end) in matches)
            {
                if (prev != start)
                {
                    spans.Add((prev, start, false));
                }

                spans.Add((start, end, true));
                prev = end;
            }

            if (prev != text.Length)
            {
                spans.Add((prev, text.Length, false));
            }
        }

        if (invert)
        {
            for (int i = 0; i < spans.Count; i++)
            {
                spans[i] = (spans[i].Start, spans[i].End, !spans[i].Match);
            }
        }

        Emit(piece, spans, behavior, output);
    }

    /// <summary>Splits at every character (code point) for which <paramref name="isDelimiter"/> holds, each one a match.</summary>
    public static void Split(PreToken piece, Func<Rune, bool> isDelimiter, SplitBehavior behavior, List<PreToken> output)
    {
        string text = piece.Text;
        var matches = new List<(int, int)>();
        for (int i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune r, out int n);
            if (isDelimiter(r))
            {
                matches.Add((i, i + n));
            }

            i += n;
        }

        Split(piece, matches, behavior, invert: false, output);
    }

    private static void Emit(PreToken piece, List<(int Start, int End, bool Match)> spans, SplitBehavior behavior, List<PreToken> output)
    {
        // (start, end, remove)
        var splits = new List<(int Start, int End, bool Remove)>(spans.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var s in spans)
                {
                    splits.Add((s.Start, s.End, s.Match));
                }

                break;
            case SplitBehavior.Isolated:
                foreach (var s in spans)
                {
                    splits.Add((s.Start, s.End, false));
                }

                break;
            case SplitBehavior.Contiguous:
                foreach (var s in spans)
                {
                    if (s.Match == previousMatch && splits.Count > 0)
                    {
                        splits[^1] = (splits[^1].Start, s.End, false);
                    }
                    else
                    {
                        splits.Add((s.Start, s.End, false));
                    }

                    previousMatch = s.Match;
                }

                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var s in spans)
                {
                    if (s.Match && !previousMatch && splits.Count > 0)
                    {
                        splits[^1] = (splits[^1].Start, s.End, false);
                    }
                    else
                    {
                        splits.Add((s.Start, s.End, false));
                    }

                    previousMatch = s.Match;
                }

                break;
            case SplitBehavior.MergedWithNext:
                // Right to left, each delimiter joining the piece after it.
                for (int i = spans.Count - 1; i >= 0; i--)
                {
                    var s = spans[i];
                    if (s.Match && !previousMatch && splits.Count > 0)
                    {
                        splits[^1] = (s.Start, splits[^1].End, false);
                    }
                    else
                    {
                        splits.Add((s.Start, s.End, false));
                    }

                    previousMatch = s.Match;
                }

                splits.Reverse();
                break;
        }

        foreach ((int start, int end, bool remove) in splits)
        {
            if (!remove && end > start)
            {
                output.Add(new PreToken(piece.Text[start..end], piece.AtOrigin && start == 0));
            }
        }
    }
}
