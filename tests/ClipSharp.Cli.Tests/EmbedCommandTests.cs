using ClipSharp.IO;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

public class EmbedCommandTests
{
    [SkippableTheory]
    [InlineData("openclip")]
    [InlineData("hf")]
    public void EmbedText_GoldenPrompts_MatchOpenAITextEmbeddings(string layout)
    {
        string[] texts = Golden.Texts("labels_skimage");
        var (expected, _) = Golden.Array("labels_skimage", "text_embeds_normalized.npy");

        var result = CliRunner.Run(["embed", "text", .. texts, "--model", Golden.ModelDir(layout)]);

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Json;
        Assert.Equal(texts.Length, lines.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(texts[i], lines[i].GetProperty("input").GetString());
            float[] e = lines[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.True(Golden.Cosine(e, expected.AsSpan(i * e.Length, e.Length)) >= 0.99999, texts[i]);
        }
    }

    [SkippableTheory]
    [InlineData("openclip")]
    [InlineData("openclip-static")]
    [InlineData("hf")]
    public void EmbedImage_ToNpy_GoldenImagesMatchOpenAIImageEmbeddings(string layout)
    {
        string[] files = Golden.ImageFiles();
        var (expected, _) = Golden.Array("labels", "image_embeds_normalized.npy");
        string target = Path.Combine(Path.GetTempPath(), $"clipsharp-embed-{Guid.NewGuid():N}.npy");
        try
        {
            var result = CliRunner.Run(["embed", "image", .. files.Select(Golden.ImagePath), "--model", Golden.ModelDir(layout), "--out", target]);

            Assert.True(result.ExitCode == 0, result.Error);
            var (data, shape) = Npy.ReadFloat32(target);
            Assert.Equal(files.Length, shape[0]);
            int d = shape[1];
            var bad = new List<string>();
            for (int i = 0; i < files.Length; i++)
            {
                double cos = Golden.Cosine(data.AsSpan(i * d, d), expected.AsSpan(i * d, d));
                if (cos < 0.99999)
                {
                    bad.Add($"{files[i]}: {cos:F7}");
                }
            }

            Assert.True(bad.Count == 0, string.Join("\n", bad));
        }
        finally
        {
            File.Delete(target);
        }
    }

    [SkippableFact]
    public void EmbedImage_ToNpyWithAFailingInput_WritesNothingAndNamesTheFile()
    {
        string bad = TestData.Path("edge", "empty-0-bytes.jpg");
        string target = Path.Combine(Path.GetTempPath(), $"clipsharp-embed-{Guid.NewGuid():N}.npy");
        var result = CliRunner.Run("embed", "image", Golden.ImagePath("chelsea.png"), bad, "--model", Golden.ModelDir("openclip"), "--out", target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(bad, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }
}
