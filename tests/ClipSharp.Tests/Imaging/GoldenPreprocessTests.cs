using System.Globalization;
using System.Text;

using ClipSharp.Imaging;
using ClipSharp.IO;

using Xunit;

namespace ClipSharp.Tests.Imaging;

/// <summary>Preprocess(Decode(file)) against OpenAI's clip._transform(224) outputs in golden/preprocess.</summary>
public class GoldenPreprocessTests
{
    private static readonly float[] s_std = [0.26862954f, 0.26130258f, 0.27577711f];

    public static TheoryData<string> GoldenFiles()
    {
        // The 28 golden inputs (listed explicitly so the theory enumerates even without the data).
        string[] files =
        [
            "astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "clock_motion.png", "coffee.png", "coins.png",
            "edge_alpha_coffee.png", "edge_gray_chelsea.jpg", "edge_palette_rocket.png", "edge_panorama_2000x300.jpg",
            "edge_tall_300x2000.jpg", "edge_tiny_16x16.png", "grass.png", "gravel.png", "horse.png", "hubble_deep_field.jpg",
            "ihc.png", "logo.png", "microaneurysms.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png", "page.png",
            "retina.jpg", "rocket.jpg", "text.png",
        ];
        var data = new TheoryData<string>();
        foreach (string f in files)
        {
            data.Add(f);
        }

        return data;
    }

    internal static (float MaxAbs, double Identical) Compare(float[] actual, float[] expected)
    {
        float max = 0;
        int same = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = Math.Abs(actual[i] - expected[i]);
            max = Math.Max(max, d);
            if (d <= 1e-6f)
            {
                same++;
            }
        }

        return (max, (double)same / expected.Length);
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFiles))]
    public void Preprocess_GoldenImage_MatchesTheOpenAiPipeline(string file)
    {
        string image = TestData.Path("golden", "images", file);
        var (expected, shape) = Npy.ReadFloat32(TestData.Path("golden", "preprocess", file + ".npy"));
        Assert.Equal(new[] { 3, 224, 224 }, shape);

        float[] actual = ImagePreprocessor.Create(PreprocessConfig.OpenAI).Preprocess(ImageDecoder.Decode(image));
        var (max, identical) = Compare(actual, expected);
        string report = string.Create(CultureInfo.InvariantCulture, $"{file}: max |d| = {max:G6}, identical = {identical:P3}");
        if (file.EndsWith(".png", StringComparison.Ordinal))
        {
            Assert.True(max <= 1e-5f, report);
        }
        else
        {
            Assert.True(max <= (2f / 255f / s_std.Min()) + 1e-5f && identical >= 0.99, report);
        }
    }

    [SkippableFact]
    public void Preprocess_AllGoldenImages_MatchWithAPerFileReport()
    {
        var pre = ImagePreprocessor.Create(PreprocessConfig.OpenAI);
        var failures = new StringBuilder();
        var summary = new StringBuilder();
        foreach (string file in GoldenFiles())
        {
            var (expected, _) = Npy.ReadFloat32(TestData.Path("golden", "preprocess", file + ".npy"));
            float[] actual = pre.Preprocess(ImageDecoder.Decode(TestData.Path("golden", "images", file)));
            var (max, identical) = Compare(actual, expected);
            string line = string.Create(CultureInfo.InvariantCulture, $"{file}: max |d| = {max:G6}, identical = {identical:P3}");
            summary.AppendLine(line);
            bool png = file.EndsWith(".png", StringComparison.Ordinal);
            bool ok = png ? max <= 1e-5f : max <= (2f / 255f / s_std.Min()) + 1e-5f && identical >= 0.99;
            if (!ok)
            {
                failures.AppendLine(line);
            }
        }

        Console.WriteLine(summary.ToString());
        Assert.True(failures.Length == 0, "failing files:\n" + failures + "\nall files:\n" + summary);
    }
}
