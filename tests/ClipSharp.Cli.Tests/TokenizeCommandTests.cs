using System.Text.Json;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

public class TokenizeCommandTests
{
    private static (string Text, long[] Ids, int Length, bool Truncated)[] GoldenTokens(string set)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", set, "tokens.json")));
        return doc.RootElement.EnumerateArray().Select(e => (
            e.GetProperty("text").GetString()!,
            e.GetProperty("ids").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            e.GetProperty("n_tokens").GetInt32(),
            e.GetProperty("truncated").GetBoolean())).ToArray();
    }

    [SkippableTheory]
    [InlineData("corpus")]
    [InlineData("labels_skimage")]
    public void Tokenize_Json_GoldenTextsGiveOpenAIIds(string set)
    {
        var golden = GoldenTokens(set);
        string vocab = TestData.Path("tokenizer", "openai", "bpe_simple_vocab_16e6.txt.gz");
        string[] args = ["tokenize", "--vocab", vocab, "--json", .. golden.Select(g => g.Text)];

        var result = Cli.Run(args);

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Json;
        Assert.Equal(golden.Length, lines.Length);
        var bad = new List<string>();
        for (int i = 0; i < golden.Length; i++)
        {
            long[] ids = lines[i].GetProperty("ids").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            if (!ids.SequenceEqual(golden[i].Ids)
                || lines[i].GetProperty("length").GetInt32() != golden[i].Length
                || lines[i].GetProperty("truncated").GetBoolean() != golden[i].Truncated
                || lines[i].GetProperty("text").GetString() != golden[i].Text)
            {
                bad.Add($"#{i} {JsonSerializer.Serialize(golden[i].Text)}");
            }
        }

        Assert.True(bad.Count == 0, "mismatching texts:\n" + string.Join("\n", bad));
        Assert.Equal(golden.Count(g => g.Truncated), result.Error.Split('\n').Count(l => l.StartsWith("warning:", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public void Tokenize_PlainFromStdin_OneLineOfIdsPerText()
    {
        string vocab = TestData.Path("tokenizer", "openai", "bpe_simple_vocab_16e6.txt.gz");
        var result = Cli.RunWithInput("a photo of a cat\na photo of a dog\n", "tokenize", "--vocab", vocab);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.OutLines.Length);
        Assert.StartsWith("49406 320 1125 539 320 2368 49407 0 0", result.OutLines[0], StringComparison.Ordinal);
        Assert.Equal(77, result.OutLines[1].Split(' ').Length);
    }

    [SkippableFact]
    public void Tokenize_WithHuggingFaceModelFolder_PadsWithItsPadToken()
    {
        var result = Cli.Run("tokenize", "--model", Golden.ModelDir("hf"), "a photo of a cat");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith("49406 320 1125 539 320 2368 49407 49407", result.OutLines[0], StringComparison.Ordinal);
    }
}
