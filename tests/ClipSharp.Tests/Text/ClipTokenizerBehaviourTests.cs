using ClipSharp.Text;

using Xunit;

using static ClipSharp.Tests.Text.TokenizerTestData;

namespace ClipSharp.Tests.Text;

/// <summary>Behaviour beyond the golden corpus: truncation, padding, special tokens, decoding, threads.</summary>
public class ClipTokenizerBehaviourTests
{
    [SkippableFact]
    public void Tokenize_LongText_KeepsFirst76AndEndsWithEndOfText()
    {
        ClipTokenizer tok = OpenAI;
        string text = string.Join(' ', Enumerable.Repeat("cat", 100));
        TokenizedText t = tok.Tokenize(text);
        Assert.True(t.Truncated);
        Assert.Equal(77, t.Length);
        Assert.Equal(102, t.UntruncatedLength);
        Assert.Equal(49406, t.Ids[0]);
        Assert.All(t.Ids.Skip(1).Take(75), id => Assert.Equal(2368, id));
        Assert.Equal(49407, t.Ids[76]);
        Assert.Equal(76, t.EndOfTextIndex);
    }

    [SkippableFact]
    public void Tokenize_ExactlyContextLength_IsNotTruncated()
    {
        ClipTokenizer tok = OpenAI;
        TokenizedText t = tok.Tokenize(string.Join(' ', Enumerable.Repeat("cat", 75)));
        Assert.False(t.Truncated);
        Assert.Equal(77, t.Length);
        Assert.Equal(2368, t.Ids[75]);
        Assert.Equal(49407, t.Ids[76]);
    }

    [SkippableFact]
    public void Tokenize_LiteralEndOfText_PoolsAtTheFirstEndOfText()
    {
        TokenizedText t = OpenAI.Tokenize("a <|endoftext|> b");
        Assert.Equal([49406, 320, 49407, 321, 49407, 0], t.Ids.Take(6));
        Assert.Equal(2, t.EndOfTextIndex);
        Assert.Equal(5, t.Length);
    }

    [SkippableFact]
    public void Tokenize_EmptyText_IsStartAndEndOnly()
    {
        TokenizedText t = OpenAI.Tokenize(string.Empty);
        Assert.Equal([49406, 49407, 0], t.Ids.Take(3));
        Assert.Equal(2, t.Length);
        Assert.Equal(1, t.EndOfTextIndex);
    }

    [SkippableFact]
    public void Tokenize_WrongDestinationLength_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => OpenAI.Tokenize("x", new long[10], out _, out _));
    }

    [SkippableFact]
    public void Encode_AstralLettersAndEmoji_AreClassifiedByCodePoint()
    {
        // 𝔣 (U+1D523) is a letter: one pre-token with the following letters; 😀 is not.
        // If the astral letters were split off as "other" (UTF-16 code units), "x" would be a word of its own: two
        // pieces would end a word. As letters, the whole run is one pre-token with one end-of-word marker.
        IReadOnlyList<string> letters = OpenAI.EncodeToTokens("\U0001D523\U0001D52Fx");
        Assert.Single(letters, p => p.EndsWith("</w>", StringComparison.Ordinal));
        Assert.EndsWith("x</w>", letters[^1], StringComparison.Ordinal);
        IReadOnlyList<string> pieces = OpenAI.EncodeToTokens("wow!\U0001F600");
        Assert.Equal(["wow</w>", "!", "\u00F0\u0141\u013A\u0122</w>"], pieces);
    }

    [SkippableFact]
    public void Decode_EncodedText_RoundTripsTheCleanText()
    {
        ClipTokenizer tok = OpenAI;
        const string text = "A photo of a Café 🐶, naïve &amp; Zürich";
        Assert.Equal(ClipTokenizer.Clean(text) + " ", tok.Decode(tok.Encode(text)));
    }

    [SkippableFact]
    public void Decode_UnknownId_ThrowsClipSharpException()
    {
        Assert.Throws<ClipSharpException>(() => OpenAI.Decode([49408]));
    }

    [SkippableFact]
    public void Tokenize_EightThreads_GiveTheSameIdsAsSequential()
    {
        ClipTokenizer fresh = ClipTokenizer.Load(GzPath); // empty cache, so threads race to fill it
        GoldenText[] golden = [.. Golden()];
        var results = new int[8][][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var mine = new int[golden.Length][];
            for (int k = 0; k < golden.Length; k++)
            {
                int i = (k + (thread * 37)) % golden.Length; // different orders per thread
                mine[i] = [.. fresh.Tokenize(golden[i].Text).Ids];
            }

            results[thread] = mine;
        });

        for (int thread = 0; thread < 8; thread++)
        {
            for (int i = 0; i < golden.Length; i++)
            {
                Assert.Equal(golden[i].Ids, results[thread][i]);
            }
        }
    }
}
