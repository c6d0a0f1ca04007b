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

        var result = CliRunner.Run(args);

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
        var result = CliRunner.RunWithInput("a photo of a cat\na photo of a dog\n", "tokenize", "--vocab", vocab);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.OutLines.Length);
        Assert.StartsWith("49406 320 1125 539 320 2368 49407 0 0", result.OutLines[0], StringComparison.Ordinal);
        Assert.Equal(77, result.OutLines[1].Split(' ').Length);
    }

    [SkippableFact]
    public void Tokenize_WithHuggingFaceModelFolder_PadsWithItsPadToken()
    {
        var result = CliRunner.Run("tokenize", "--model", Golden.ModelDir("hf"), "a photo of a cat");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith("49406 320 1125 539 320 2368 49407 49407", result.OutLines[0], StringComparison.Ordinal);
    }

    private static string Fixture(params string[] parts) => Path.Combine([TestData.RepoRoot, "tests", "data", "tokenizers", .. parts]);

    [Fact]
    public void TokenizeJson_TokenizerJson_PrintsThePostProcessorIdsUnpadded()
    {
        string vocab = Fixture("xlmr", "tokenizer.json");
        var expected = ClipSharp.Text.HuggingFaceTokenizer.Load(vocab).Encode("a photo of a cat");

        var result = CliRunner.Run("tokenize", "--vocab", vocab, "--json", "a photo of a cat");

        Assert.True(result.ExitCode == 0, result.Error);
        var line = Assert.Single(result.Json);
        int[] ids = [.. line.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32())];
        Assert.Equal(expected.Ids, ids);
        Assert.Equal(0, ids[0]);
        Assert.Equal(2, ids[^1]);
        Assert.Equal(ids.Length, line.GetProperty("length").GetInt32());
    }

    [Fact]
    public void Tokenize_TokenizerJsonWithLength_TruncatesAndPadsWithItsPadToken()
    {
        var result = CliRunner.Run("tokenize", "--vocab", Fixture("xlmr", "tokenizer.json"), "--length", "12", "--json", "a cat", "a photo of a cat sleeping on the sofa in the sun");

        Assert.True(result.ExitCode == 0, result.Error);
        int[][] ids = [.. result.Json.Select(l => l.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()).ToArray())];
        Assert.All(ids, row => Assert.Equal(12, row.Length));
        int length = result.Json[0].GetProperty("length").GetInt32();
        Assert.All(ids[0][length..], id => Assert.Equal(1, id)); // <pad> = 1 in XLM-R's ids
        Assert.Equal(2, ids[1][^1]); // </s> kept at the end of a truncated text
        Assert.Contains("warning: text 2 was truncated to 12 ids", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_SentencePieceModel_PrintsItsIds()
    {
        string model = Fixture("bpe", "spm.model");
        var expected = ClipSharp.Text.HuggingFaceTokenizer.Load(model).Encode("Ein Foto von einem Hund");

        var result = CliRunner.RunWithInput("Ein Foto von einem Hund\n", "tokenize", "--vocab", model);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(string.Join(' ', expected.Ids), Assert.Single(result.OutLines));
    }

    [Fact]
    public void Tokenize_UnsupportedTokenizerJson_NamesTheComponentAndTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("clipsharp-cli-tokenizer-").FullName;
        try
        {
            string path = Path.Combine(dir, "tokenizer.json");
            File.WriteAllText(path, """{"version": "1.0", "pre_tokenizer": {"type": "UnicodeScripts"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""");

            var result = CliRunner.Run("tokenize", "--vocab", path, "a");

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(path, result.Error, StringComparison.Ordinal);
            Assert.Contains("unsupported pre_tokenizer \"UnicodeScripts\"", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
