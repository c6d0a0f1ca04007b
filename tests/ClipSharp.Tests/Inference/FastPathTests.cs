using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Inference;

/// <summary>The opt-in fast JPEG decode and the pipelined file encoder.</summary>
public class FastPathTests
{
    [SkippableTheory]
    [InlineData(0, 2572, 1740)]    // off: full size
    [InlineData(200, 322, 218)]    // 1/8
    [InlineData(400, 643, 435)]    // 1/4
    [InlineData(448, 1286, 870)]   // 1/4 would give 435 < 448, so 1/2
    [InlineData(1000, 2572, 1740)] // 1/2 would give 870 < 1000: full size
    public void ScaledJpegDecode_MinimumSide_PicksTheSmallestScaleKeepingIt(int minSide, int width, int height)
    {
        string file = TestData.Path("photos", "fig-in-red-bowl.jpg"); // 2572 x 1740
        ClipImage image = ImageDecoder.Decode(file, new ImageDecodeOptions { JpegScaledDecodeMinSide = minSide });
        Assert.Equal((width, height), (image.Width, image.Height));
    }

    [SkippableFact]
    public void FastJpegDecode_Enabled_StaysCloseAndLeavesTheExactPathUnchanged()
    {
        string[] files = Directory.GetFiles(TestData.Path("photos"), "*.jpg").Order(StringComparer.Ordinal).Take(8).ToArray();
        using var exact = ClipModel.Load(Golden.ModelDir("hf"));
        using var fast = ClipModel.Load(Golden.ModelDir("hf"), new ClipModelOptions { FastJpegDecode = true });
        foreach (string f in files)
        {
            float[] a = exact.EncodeImage(f);
            float[] b = fast.EncodeImage(f);
            float[] c = exact.EncodeImage(ImageDecoder.Decode(f));
            Assert.Equal(c, a);
            Assert.True(Golden.Cosine(a, b) > 0.99, $"{f}: {Golden.Cosine(a, b)}");
        }
    }

    [SkippableFact]
    public void EncodeImageFiles_Pipelined_KeepsOrderErrorsAndMatchesOneByOne()
    {
        string[] photos = Directory.GetFiles(TestData.Path("photos"), "*.jpg").Order(StringComparer.Ordinal).Take(7).ToArray();
        var input = new List<string>(photos);
        input.Insert(3, "/nonexistent/missing.jpg");
        using var model = ClipModel.Load(Golden.ModelDir("openclip"), new ClipModelOptions { MaxBatchSize = 3 });
        var results = model.EncodeImageFiles(input).ToList();
        Assert.Equal(input, results.Select(r => r.Path));
        Assert.NotNull(results[3].Error);
        for (int i = 0; i < input.Count; i++)
        {
            if (i != 3)
            {
                Assert.Null(results[i].Error);
                Assert.True(Golden.Cosine(model.EncodeImage(input[i]), results[i].Embedding!) > 0.999999);
            }
        }

        // Stopping early (and cancelling) ends the background decoder cleanly.
        Assert.Single(model.EncodeImageFiles(input).Take(1));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => model.EncodeImageFiles(input, cts.Token).ToList());
    }
}
