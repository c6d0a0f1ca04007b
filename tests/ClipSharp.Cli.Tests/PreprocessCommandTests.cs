using ClipSharp.IO;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

public class PreprocessCommandTests
{
    [SkippableTheory]
    [InlineData("chelsea.png")]
    [InlineData("edge_alpha_coffee.png")]
    [InlineData("edge_panorama_2000x300.jpg")]
    public void Preprocess_GoldenImage_WritesOpenAITensorWithBatchAxis(string file)
    {
        string target = Path.Combine(Path.GetTempPath(), $"clipsharp-pre-{Guid.NewGuid():N}.npy");
        try
        {
            var result = CliRunner.Run("preprocess", Golden.ImagePath(file), "--out", target, "--model", Golden.ModelDir("openclip"));

            Assert.True(result.ExitCode == 0, result.Error);
            var (data, shape) = Npy.ReadFloat32(target);
            Assert.Equal(new[] { 1, 3, 224, 224 }, shape);
            float[] expected = Golden.Preprocessed(file);
            double maxDiff = 0;
            for (int i = 0; i < data.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(data[i] - expected[i]));
            }

            // PNG inputs are bit-exact 8-bit pixels; JPEGs may differ by up to 2/255/std per value.
            Assert.True(maxDiff <= (file.EndsWith(".png", StringComparison.Ordinal) ? 1e-5 : 2.0 / 255 / 0.26130258), $"max |Δ| {maxDiff}");
        }
        finally
        {
            File.Delete(target);
        }
    }

    [SkippableFact]
    public void Preprocess_Bomb_FailsBeforeDecodingAndWritesNothing()
    {
        string bomb = TestData.Path("edge", "bomb-50000x50000-valid.png");
        string target = Path.Combine(Path.GetTempPath(), $"clipsharp-pre-{Guid.NewGuid():N}.npy");
        var result = CliRunner.Run("preprocess", bomb, "--out", target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(bomb, result.Error, StringComparison.Ordinal);
        Assert.Contains("50000", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }
}
