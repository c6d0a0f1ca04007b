using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Inference;

/// <summary>How <see cref="ClipModel"/> reserves decode memory: estimates, waits, rejections, and that the releasable path stays exact.</summary>
public class DecodeMemoryModelTests
{
    private static readonly string[] s_edgeImages =
    [
        "cat-baseline.jpg", "cat-progressive.jpg", "cat-grayscale.jpg", "cat-cmyk.jpg", "cat-orientation-3.jpg", "cat-orientation-6.jpg",
        "cat-orientation-8.jpg", "cat-rgba.png", "cat-palette.png", "cat-interlaced-adam7.png", "cat-lossy.webp", "cat-lossless-alpha.webp",
        "cat-24bit.bmp", "cat-animated-2frames.gif", "cat-lzw.tif", "panorama-6000x200.jpg", "tiny-1x1.png",
    ];

    public static TheoryData<string> EdgeImages() => [.. s_edgeImages];

    [Theory]
    [MemberData(nameof(EdgeImages))]
    public void PreprocessEncoded_AnyFormat_EqualsTheManagedDecodeBitForBit(string file)
    {
        // The releasable path (native pixel buffers, freed after preprocessing) must give the exact same input.
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        byte[] data = File.ReadAllBytes(TestData.Path("edge", file));
        float[] expected = model.Preprocessor.Preprocess(ImageDecoder.Decode(data, file));
        float[] actual = new float[expected.Length];

        model.PreprocessEncoded(data, file, null, actual);

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(EdgeImages))]
    public void EstimateImageMemory_AnyFormat_CoversTheDecodedPixelsAndMore(string file)
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        byte[] data = File.ReadAllBytes(TestData.Path("edge", file));
        var image = ImageDecoder.Decode(data, file);

        long estimate = model.EstimateImageMemory(data, file);

        // At least the encoded bytes, the decoded pixels and the 3-channel model canvas.
        long floor = data.Length + image.Pixels.Length + (3L * model.ImageSize * model.ImageSize);
        Assert.True(estimate >= floor, $"{file}: estimate {estimate} < {floor}");
    }

    [Fact]
    public void EstimateImageMemory_ScaledJpegDecodeAllowed_IsSmallerThanTheExactOne()
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        byte[] data = File.ReadAllBytes(TestData.Path("edge", "cat-baseline.jpg"));
        var (w, h, _) = ImageDecoder.ReadHeader(TestData.Path("edge", "cat-baseline.jpg"));
        int minSide = Math.Min(w, h) / 4;

        long exact = model.EstimateImageMemory(data, "cat-baseline.jpg");
        long scaled = model.EstimateImageMemory(data, "cat-baseline.jpg", new ImageDecodeOptions { JpegScaledDecodeMinSide = minSide });

        Assert.True(scaled < exact / 2, $"scaled {scaled} vs exact {exact}");
    }

    [Fact]
    public void EstimateImageMemory_NotAnImage_IsRejectedNamingTheInput()
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));

        var ex = Assert.Throws<ClipSharpException>(() => model.EstimateImageMemory("hello"u8, "note.txt"));

        Assert.Equal(ClipErrorKind.UnknownFormat, ex.Kind);
        Assert.Equal("note.txt", ex.Input);
    }

    [Fact]
    public void EncodeImage_DecodeOverTheWholeBudget_IsRejectedNamingTheLimitAndTheFile()
    {
        var budget = new DecodeMemoryBudget(64 * 1024);
        using var model = ClipModel.Load(Golden.ModelDir("openclip"), new ClipModelOptions { DecodeMemory = budget });
        string path = TestData.Path("edge", "cat-baseline.jpg");

        var ex = Assert.Throws<ClipSharpException>(() => model.EncodeImage(path));

        Assert.Equal(ClipErrorKind.ImageTooLarge, ex.Kind);
        Assert.Equal(path, ex.Input);
        Assert.Contains("decode memory budget of 0.1 MiB", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, budget.BytesInUse);
    }

    [Fact]
    public void EncodeImageFiles_SmallBudget_EmbedsEveryFileAsWithoutOneAndNeverExceedsIt()
    {
        string[] files = [.. s_edgeImages.Select(f => TestData.Path("edge", f))];
        using var unlimited = ClipModel.Load(Golden.ModelDir("openclip"), new ClipModelOptions { DecodeMemory = new DecodeMemoryBudget(long.MaxValue) });
        var expected = unlimited.EncodeImageFiles(files).ToList();

        // Room for the largest single decode only, so the parallel pipeline has to wait for it.
        long largest = files.Max(f => unlimited.EstimateImageMemory(File.ReadAllBytes(f), f));
        var budget = new DecodeMemoryBudget(largest);
        using var model = ClipModel.Load(Golden.ModelDir("openclip"), new ClipModelOptions { DecodeMemory = budget });
        var actual = model.EncodeImageFiles(files).ToList();

        Assert.Equal(expected.Select(r => r.Path), actual.Select(r => r.Path));
        for (int i = 0; i < files.Length; i++)
        {
            Assert.Null(actual[i].Error);
            Assert.Equal(expected[i].Embedding, actual[i].Embedding);
        }

        Assert.InRange(budget.PeakBytesInUse, 1, budget.CapacityBytes);
        Assert.Equal(0, budget.BytesInUse);
    }

    [Fact]
    public void EncodeImageFiles_OneFileOverTheBudget_FailsThatFileOnly()
    {
        string small = TestData.Path("edge", "tiny-1x1.png");
        string large = TestData.Path("edge", "cat-baseline.jpg");
        using var probe = ClipModel.Load(Golden.ModelDir("openclip"));
        long room = probe.EstimateImageMemory(File.ReadAllBytes(small), small);
        using var model = ClipModel.Load(Golden.ModelDir("openclip"), new ClipModelOptions { DecodeMemory = new DecodeMemoryBudget(room) });

        var results = model.EncodeImageFiles([small, large, small]).ToList();

        Assert.NotNull(results[0].Embedding);
        Assert.Equal(ClipErrorKind.ImageTooLarge, results[1].Error?.Kind);
        Assert.Equal(large, results[1].Error?.Input);
        Assert.NotNull(results[2].Embedding);
    }
}
