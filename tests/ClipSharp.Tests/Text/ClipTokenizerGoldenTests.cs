using ClipSharp.Text;

using Xunit;

using static ClipSharp.Tests.Text.TokenizerTestData;

namespace ClipSharp.Tests.Text;

/// <summary>Parity with OpenAI's reference pipeline on every golden text (failures list every mismatching text).</summary>
public class ClipTokenizerGoldenTests
{
    [SkippableFact]
    public void Clean_GoldenCorpus_EqualsOpenAIClean()
    {
        var failures = new List<string>();
        foreach (GoldenText g in Golden())
        {
            string clean = ClipTokenizer.Clean(g.Text);
            if (clean != g.Clean)
            {
                failures.Add($"[{g.Set}] {Show(g.Text)}: expected \"{Show(g.Clean)}\", got \"{Show(clean)}\"");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} texts clean differently:\n" + string.Join("\n", failures));
    }

    [SkippableFact]
    public void EncodeToTokens_GoldenCorpus_EqualsOpenAIBpe()
    {
        ClipTokenizer tok = OpenAI;
        var failures = new List<string>();
        foreach (GoldenText g in Golden())
        {
            // Golden `bpe` is the pieces of the model input: SOT, the (possibly truncated) pieces, EOT.
            IReadOnlyList<string> all = tok.EncodeToTokens(g.Text);
            string[] pieces = [BpeVocabulary.StartOfTextToken, .. all.Take(g.NTokens - 2), BpeVocabulary.EndOfTextToken];
            if (!pieces.SequenceEqual(g.Bpe) || all.Count != g.NTokensUntruncated - 2)
            {
                failures.Add($"[{g.Set}] {Show(g.Text)}: expected [{Show(string.Join(' ', g.Bpe))}], got [{Show(string.Join(' ', pieces))}]");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} texts encode differently:\n" + string.Join("\n", failures));
    }

    [SkippableFact]
    public void Tokenize_GoldenCorpus_IdsEqualOpenAI()
    {
        ClipTokenizer tok = OpenAI;
        var failures = new List<string>();
        foreach (GoldenText g in Golden())
        {
            TokenizedText t = tok.Tokenize(g.Text);
            if (!t.Ids.SequenceEqual(g.Ids))
            {
                failures.Add($"[{g.Set}] {Show(g.Text)}: ids expected [{string.Join(',', g.Ids)}], got [{string.Join(',', t.Ids)}]");
            }

            if (t.Length != g.NTokens || t.Truncated != g.Truncated || t.EndOfTextIndex != g.EotIndex || t.UntruncatedLength != g.NTokensUntruncated)
            {
                failures.Add($"[{g.Set}] {Show(g.Text)}: (length, truncated, eot, untruncated) expected ({g.NTokens}, {g.Truncated}, {g.EotIndex}, {g.NTokensUntruncated}), got ({t.Length}, {t.Truncated}, {t.EndOfTextIndex}, {t.UntruncatedLength})");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures));
    }

    [SkippableFact]
    public void Tokenize_SpanOverload_MatchesTokenizeForEveryGoldenText()
    {
        ClipTokenizer tok = OpenAI;
        var row = new long[tok.ContextLength];
        foreach (GoldenText g in Golden())
        {
            tok.Tokenize(g.Text, row, out int length, out bool truncated);
            Assert.Equal(g.Ids.Select(i => (long)i), row);
            Assert.Equal(g.NTokens, length);
            Assert.Equal(g.Truncated, truncated);
        }
    }

    [SkippableFact]
    public void Tokenize_OpenAIFixtureCases_EqualSimpleTokenizer()
    {
        ClipTokenizer tok = OpenAI;
        var failures = new List<string>();
        foreach (OpenAICase c in OpenAICases())
        {
            string clean = ClipTokenizer.Clean(c.Text);
            if (clean != c.Normalized)
            {
                failures.Add($"[{c.Category}] {Show(c.Text)}: clean expected \"{Show(c.Normalized)}\", got \"{Show(clean)}\"");
            }

            IReadOnlyList<int> ids = tok.Encode(c.Text);
            if (!ids.SequenceEqual(c.Ids))
            {
                failures.Add($"[{c.Category}] {Show(c.Text)}: ids expected [{string.Join(',', c.Ids)}], got [{string.Join(',', ids)}]");
            }

            if (!tok.EncodeToTokens(c.Text).SequenceEqual(c.Tokens))
            {
                failures.Add($"[{c.Category}] {Show(c.Text)}: tokens differ");
            }

            TokenizedText t = tok.Tokenize(c.Text);
            if (!t.Ids.SequenceEqual(c.Padded) || t.UntruncatedLength != c.NumTokens || t.Truncated != c.Exceeds)
            {
                failures.Add($"[{c.Category}] {Show(c.Text)}: padded ids / length / truncation differ");
            }

            string decoded = tok.Decode(c.Ids);
            if (decoded != c.Decoded)
            {
                failures.Add($"[{c.Category}] {Show(c.Text)}: decode expected \"{Show(c.Decoded)}\", got \"{Show(decoded)}\"");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures));
    }
}
