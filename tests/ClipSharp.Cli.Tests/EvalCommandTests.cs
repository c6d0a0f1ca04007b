using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

public class EvalCommandTests
{
    [SkippableFact]
    public void ZeroShot_PhotosCsv_WritesSummaryPerClassAndConfusionFiles()
    {
        string outDir = Directory.CreateTempSubdirectory("clipsharp-eval-out-").FullName;
        try
        {
            var result = CliRunner.Run("eval", "zeroshot", TestData.Path("photos", "labels.csv"), "--model", Golden.ModelDir("openclip"), "--cache", "none", "--out", outDir, "--json");

            Assert.True(result.ExitCode == 0, result.Error);
            var summary = result.Json.Single();
            Assert.Equal(37, summary.GetProperty("images").GetInt32());
            double top1 = summary.GetProperty("top1").GetDouble();
            double top5 = summary.GetProperty("top5").GetDouble();
            Assert.InRange(top1, 0, top5);
            Assert.True(File.Exists(Path.Combine(outDir, "summary.json")));
            string[] confusion = File.ReadAllLines(Path.Combine(outDir, "confusion.csv"));
            int classes = summary.GetProperty("classes").GetInt32();
            Assert.Equal(classes + 1, confusion.Length);
            Assert.Equal(37, confusion.Skip(1).Sum(l => l.Split(',').Skip(1).Sum(int.Parse)));
            Assert.Equal(classes + 1, File.ReadAllLines(Path.Combine(outDir, "per-class.csv")).Length);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [SkippableFact]
    public void Retrieval_PhotosCaptions_ReportsRecallBothWays()
    {
        var result = CliRunner.Run("eval", "retrieval", TestData.Path("photos", "labels.csv"), "--model", Golden.ModelDir("hf"), "--cache", "none", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var r = result.Json.Single();
        Assert.Equal(37, r.GetProperty("images").GetInt32());
        Assert.Equal(37, r.GetProperty("captions").GetInt32());
        Assert.InRange(r.GetProperty("text_to_image_r1").GetDouble(), 0, r.GetProperty("text_to_image_r5").GetDouble());
        Assert.InRange(r.GetProperty("text_to_image_r5").GetDouble(), 0, r.GetProperty("text_to_image_r10").GetDouble());
        Assert.InRange(r.GetProperty("image_to_text_r10").GetDouble(), 0, 1);
    }

    [SkippableFact]
    public void ZeroShot_TemplateWithoutPlaceholder_IsAUsageError()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "a photo\n");
            var result = CliRunner.Run("eval", "zeroshot", TestData.Path("photos", "labels.csv"), "--templates", file, "--model", Golden.ModelDir("openclip"));
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("placeholder", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
