using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

public class ClassifyCommandTests
{
    [SkippableTheory]
    [InlineData("openclip")]
    [InlineData("openclip-static")]
    [InlineData("hf")]
    public void Classify_GoldenImagesAndLabels_ProbabilitiesMatchOpenAIAtScale100(string layout)
    {
        string[] files = Golden.ImageFiles();
        double[][] expected = Golden.ProbsMatrix("labels", "probs_at_logit_scale_100");
        string[] args = ["classify", .. files.Select(Golden.ImagePath), "--labels", "dog,cat,bird", "--template", "a photo of a {}", "--model", Golden.ModelDir(layout), "--json"];

        var result = CliRunner.Run(args);

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Json;
        Assert.Equal(files.Length, lines.Length);
        var bad = new List<string>();
        for (int i = 0; i < files.Length; i++)
        {
            Assert.Equal(Golden.ImagePath(files[i]), lines[i].GetProperty("image").GetString());
            var results = lines[i].GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(["dog", "cat", "bird"], results.Select(r => r.GetProperty("label").GetString()));
            Assert.Equal("a photo of a cat", results[1].GetProperty("prompt").GetString());
            for (int j = 0; j < 3; j++)
            {
                double p = results[j].GetProperty("probability").GetDouble();
                if (Math.Abs(p - expected[i][j]) > 1e-4)
                {
                    bad.Add($"{files[i]} label {j}: {p} vs {expected[i][j]}");
                }
            }
        }

        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [SkippableFact]
    public void Classify_PlainOutput_ShowsEveryLabelWithAProbabilityBar()
    {
        var result = CliRunner.Run("classify", Golden.ImagePath("chelsea.png"), "--labels", "dog,cat,bird", "--model", Golden.ModelDir("openclip"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("chelsea.png", result.Out, StringComparison.Ordinal);
        foreach (string label in new[] { "dog", "cat", "bird" })
        {
            Assert.Contains(label, result.Out, StringComparison.Ordinal);
        }

        Assert.Contains("█", result.Out, StringComparison.Ordinal);
        Assert.Contains("%", result.Out, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Classify_OneBadImageAmongGood_ReportsItAndClassifiesTheRest()
    {
        string bad = TestData.Path("edge", "text-not-an-image.jpg");
        var result = CliRunner.Run("classify", bad, Golden.ImagePath("chelsea.png"), "--labels", "dog,cat", "--model", Golden.ModelDir("openclip"), "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(bad, result.Error, StringComparison.Ordinal);
        var lines = result.Json;
        Assert.Equal(2, lines.Length);
        Assert.True(lines[0].TryGetProperty("error", out _));
        Assert.Equal(2, lines[1].GetProperty("results").GetArrayLength());
    }

    [SkippableFact]
    public void Classify_ImageNetEnsemble_UsesAllEightyTemplates()
    {
        var result = CliRunner.Run("classify", Golden.ImagePath("chelsea.png"), "--labels", "dog,cat", "--ensemble", "imagenet", "--model", Golden.ModelDir("hf"), "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        string prompt = result.Json[0].GetProperty("results")[0].GetProperty("prompt").GetString()!;
        Assert.StartsWith("mean of 80 prompts", prompt, StringComparison.Ordinal);
        double sum = result.Json[0].GetProperty("results").EnumerateArray().Sum(r => r.GetProperty("probability").GetDouble());
        Assert.Equal(1.0, sum, 5);
    }

    [SkippableFact]
    public void Classify_NoLabels_IsAUsageErrorOnOneLine()
    {
        var result = CliRunner.Run("classify", Golden.ImagePath("chelsea.png"), "--model", Golden.ModelDir("openclip"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: no labels given", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [SkippableFact]
    public void Classify_WrongModelFolder_FailsWithOneLineNamingTheFolder()
    {
        string notAModel = TestData.Path("photos");
        var result = Cli.RunProcess("classify", Golden.ImagePath("chelsea.png"), "--labels", "dog,cat", "--model", notAModel);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(notAModel, result.Error, StringComparison.Ordinal);
        Assert.Contains("not a CLIP model folder", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Classify_NoModelGivenAndOffline_NamesTheDefaultModelAndHowToGetIt()
    {
        string home = Directory.CreateTempSubdirectory("clipsharp-home-").FullName;
        try
        {
            var result = Cli.RunProcess(new Dictionary<string, string?> { ["CLIPSHARP_HOME"] = home, ["HF_HUB_OFFLINE"] = "1" }, "classify", "x.jpg", "--labels", "dog");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("ViT-B-32", result.Error, StringComparison.Ordinal);
            Assert.Contains("clipsharp models pull ViT-B-32", result.Error, StringComparison.Ordinal);
            Assert.Contains("--model DIR", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [SkippableFact]
    public void Classify_OptimizedModelsVariableSet_WritesThenReusesTheCacheAndOffWritesNothing()
    {
        string cache = Directory.CreateTempSubdirectory("clipsharp-cli-optcache-").FullName;
        try
        {
            string[] args = ["classify", Golden.ImagePath("chelsea.png"), "--labels", "dog,cat,bird", "--model", Golden.ModelDir("openclip"), "--json"];
            var env = new Dictionary<string, string?> { ["CLIPSHARP_OPTIMIZED_MODELS"] = cache };
            var first = Cli.RunProcess(env, args);
            Assert.True(first.ExitCode == 0, first.Error);
            Assert.Empty(first.Error); // ONNX Runtime's warning about saving a processor-specific graph is not shown
            string[] entries = Directory.GetDirectories(cache);
            Assert.Equal(2, entries.Length);
            var stamps = entries.Select(e => File.GetLastWriteTimeUtc(Path.Combine(e, "entry.json"))).ToArray();

            var second = Cli.RunProcess(env, args);
            Assert.True(second.ExitCode == 0, second.Error);
            Assert.Empty(second.Error);
            Assert.Equal(first.Out, second.Out);
            Assert.Equal(entries, Directory.GetDirectories(cache));
            Assert.Equal(stamps, entries.Select(e => File.GetLastWriteTimeUtc(Path.Combine(e, "entry.json"))).ToArray());

            Directory.Delete(cache, recursive: true);
            var off = Cli.RunProcess(new Dictionary<string, string?> { ["CLIPSHARP_OPTIMIZED_MODELS"] = "off" }, args);
            Assert.True(off.ExitCode == 0, off.Error);
            Assert.Equal(first.Out, off.Out);
            Assert.False(Directory.Exists(cache));
            Assert.Empty(off.Error);
        }
        finally
        {
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }
}
