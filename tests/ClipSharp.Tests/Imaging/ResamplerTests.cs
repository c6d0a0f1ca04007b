using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

public class ResamplerTests
{
    private static readonly float[] s_zeroMean = [0f, 0f, 0f];
    private static readonly float[] s_unitStd = [1f, 1f, 1f];

    private static byte[] RandomBytes(int n, int seed)
    {
        var rng = new Random(seed);
        byte[] b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>A preprocessor whose output is v/255, so the 8-bit canvas can be read back exactly.</summary>
    private static ImagePreprocessor Raw(int size, ResizeMode mode, ResizeFilter filter = ResizeFilter.Bicubic, int fill = 0)
        => ImagePreprocessor.Create(PreprocessConfig.Create(size, mode, filter, s_zeroMean, s_unitStd, fill));

    private static byte ToByte(float v) => (byte)Math.Round(v * 255f);

    [Theory]
    [InlineData(PixelFormat.Gray8)]
    [InlineData(PixelFormat.Rgb24)]
    [InlineData(PixelFormat.Rgba32)]
    public void Preprocess_IdentitySize_IsAnExactCopy(PixelFormat format)
    {
        int ch = format.Channels();
        byte[] px = RandomBytes(32 * 32 * ch, 1);
        var image = ClipImage.FromPixels(32, 32, format, px);
        float[] t = Raw(32, ResizeMode.Shortest).Preprocess(image);
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Assert.Equal(px[(((y * 32) + x) * ch) + (ch == 1 ? 0 : c)], ToByte(t[(c * 1024) + (y * 32) + x]));
                }
            }
        }
    }

    [Theory]
    [InlineData(PixelFormat.Rgb24)]
    [InlineData(PixelFormat.Rgba32)]
    public void Preprocess_OnePixelUpscaled_IsConstantAndFinite(PixelFormat format)
    {
        byte[] px = format == PixelFormat.Rgb24 ? [10, 200, 77] : [10, 200, 77, 128];
        float[] t = ImagePreprocessor.Create(PreprocessConfig.OpenAI).Preprocess(ClipImage.FromPixels(1, 1, format, px));
        Assert.All(t, v => Assert.True(float.IsFinite(v)));
        for (int c = 0; c < 3; c++)
        {
            Span<float> plane = t.AsSpan(c * 224 * 224, 224 * 224);
            Assert.True(plane.IndexOfAnyExcept(plane[0]) < 0, $"channel {c} is not constant");
        }
    }

    [Theory]
    [InlineData(1, 451, 300, 224, 149, 100, 120, ResizeFilter.Bicubic)]
    [InlineData(3, 451, 300, 336, 224, 100, 224, ResizeFilter.Bicubic)]
    [InlineData(4, 120, 90, 336, 252, 64, 64, ResizeFilter.Bilinear)]
    [InlineData(3, 6000, 20, 6720, 22, 224, 22, ResizeFilter.Bicubic)]
    [InlineData(4, 300, 451, 149, 224, 149, 1, ResizeFilter.Bicubic)]
    public void ResampleWindow_AnyWindow_EqualsFullResampleThenCrop(int channels, int w, int h, int outW, int outH, int cw, int ch, ResizeFilter filter)
    {
        byte[] src = RandomBytes(w * h * channels, 42);
        byte[] full = new byte[outW * outH * channels];
        PillowResampler.ResampleWindow(src, w, h, channels, channels == 4, outW, outH, 0, 0, outW, outH, filter, full);

        var rng = new Random(7);
        for (int trial = 0; trial < 3; trial++)
        {
            int x0 = rng.Next(0, outW - cw + 1), y0 = rng.Next(0, outH - ch + 1);
            byte[] win = new byte[cw * ch * channels];
            PillowResampler.ResampleWindow(src, w, h, channels, channels == 4, outW, outH, x0, y0, cw, ch, filter, win);
            for (int y = 0; y < ch; y++)
            {
                Assert.True(
                    win.AsSpan(y * cw * channels, cw * channels).SequenceEqual(full.AsSpan((((y0 + y) * outW) + x0) * channels, cw * channels)),
                    $"row {y} of window at ({x0},{y0}) differs");
            }
        }
    }

    [Fact]
    public void ShortestMode_AnyAspect_ResizesShortSideAndCentreCropsWithBankersRounding()
    {
        var pre = ImagePreprocessor.Create(PreprocessConfig.OpenAI);
        Assert.Equal((336, 224), pre.ResizedSize(451, 300));
        Assert.Equal((224, 268), pre.ResizedSize(550, 660));
        Assert.Equal((6720, 224), pre.ResizedSize(6000, 200));
        Assert.Equal((224, 1493), pre.ResizedSize(300, 2000));

        // 225 and 227 wide, 224 high: no resize; crop offsets round(0.5) = 0 and round(1.5) = 2.
        foreach ((int width, int expectedFirst) in new[] { (225, 0), (227, 2), (226, 1) })
        {
            byte[] px = new byte[width * 224];
            for (int y = 0; y < 224; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    px[(y * width) + x] = (byte)x;
                }
            }

            float[] t = Raw(224, ResizeMode.Shortest).Preprocess(ClipImage.FromPixels(width, 224, PixelFormat.Gray8, px));
            Assert.Equal(expectedFirst, ToByte(t[0]));
            Assert.Equal(expectedFirst + 223, ToByte(t[223]));
        }
    }

    [Fact]
    public void LongestMode_NonSquareImage_LetterboxesCentredWithTheFillColor()
    {
        var pre = Raw(224, ResizeMode.Longest, ResizeFilter.Bicubic, fill: 200);
        Assert.Equal((224, 149), pre.ResizedSize(451, 300));
        Assert.Equal((149, 224), pre.ResizedSize(300, 451));

        float[] t = pre.Preprocess(ClipImage.FromPixels(451, 300, PixelFormat.Rgb24, new byte[451 * 300 * 3]));
        // Padding (224-149)//2 = 37 rows above, 38 below.
        for (int c = 0; c < 3; c++)
        {
            int p = c * 224 * 224;
            Assert.Equal(200, ToByte(t[p + (36 * 224) + 100]));
            Assert.Equal(0, ToByte(t[p + (37 * 224) + 100]));
            Assert.Equal(0, ToByte(t[p + (185 * 224) + 100]));
            Assert.Equal(200, ToByte(t[p + (186 * 224) + 100]));
        }
    }

    [Fact]
    public void SquashMode_NonSquareImage_ResizesStraightToSquare()
    {
        var pre = Raw(224, ResizeMode.Squash);
        Assert.Equal((224, 224), pre.ResizedSize(6000, 200));

        // A left/right split image stays split at the middle column after squashing.
        byte[] px = new byte[400 * 100];
        for (int y = 0; y < 100; y++)
        {
            px.AsSpan((y * 400) + 200, 200).Fill(255);
        }

        float[] t = pre.Preprocess(ClipImage.FromPixels(400, 100, PixelFormat.Gray8, px));
        Assert.Equal(0, ToByte(t[(50 * 224) + 100]));
        Assert.Equal(255, ToByte(t[(50 * 224) + 124]));
    }

    [Fact]
    public void Preprocess_RgbaImage_IsResizedPremultipliedWithPillowRounding()
    {
        // Pillow: RGBA → RGBa (MULDIV255) → resize → RGBA (c·255/a, truncating): (200,100,50,128) comes back (199,99,49).
        byte[] px = new byte[8 * 8 * 4];
        for (int i = 0; i < 64; i++)
        {
            px[i * 4] = 200;
            px[(i * 4) + 1] = 100;
            px[(i * 4) + 2] = 50;
            px[(i * 4) + 3] = 128;
        }

        float[] t = Raw(4, ResizeMode.Squash).Preprocess(ClipImage.FromPixels(8, 8, PixelFormat.Rgba32, px));
        Assert.Equal(199, ToByte(t[0]));
        Assert.Equal(99, ToByte(t[16]));
        Assert.Equal(49, ToByte(t[32]));
    }

    [Fact]
    public void Rgba_FullyTransparentPixels_KeepTheirRgbOnlyWhenNotResized()
    {
        byte[] px = new byte[4 * 4 * 4];
        for (int i = 0; i < 16; i++)
        {
            px[i * 4] = 250; // red under alpha 0
        }

        var image = ClipImage.FromPixels(4, 4, PixelFormat.Rgba32, px);
        // Same size: Pillow copies, convert("RGB") drops alpha → the hidden red survives.
        Assert.Equal(250, ToByte(Raw(4, ResizeMode.Squash).Preprocess(image)[0]));
        // Resized: premultiplication zeroes it, as in Pillow.
        Assert.Equal(0, ToByte(Raw(2, ResizeMode.Squash).Preprocess(image)[0]));
    }

    [Fact]
    public void NearestFilter_Checkerboard_CopiesPixelsWithoutBlending()
    {
        // A checkerboard downscaled nearest keeps pure 0/255 values; bicubic would blend them.
        byte[] px = new byte[8 * 8 * 3];
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                px.AsSpan(((y * 8) + x) * 3, 3).Fill((byte)(((x + y) & 1) * 255));
            }
        }

        var paletteImage = ClipImage.FromPixels(8, 8, PixelFormat.Rgb24, px);
        float[] nearest = Raw(3, ResizeMode.Squash, ResizeFilter.Nearest).Preprocess(paletteImage);
        Assert.All(nearest, v => Assert.True(ToByte(v) is 0 or 255));
        float[] cubic = Raw(3, ResizeMode.Squash).Preprocess(paletteImage);
        Assert.Contains(cubic, v => ToByte(v) is > 0 and < 255);
    }

    [Fact]
    public void Preprocess_EightThreadsAtOnce_GiveIdenticalResults()
    {
        byte[] px = RandomBytes(640 * 480 * 3, 3);
        var image = ClipImage.FromPixels(640, 480, PixelFormat.Rgb24, px);
        var pre = ImagePreprocessor.Create(PreprocessConfig.OpenAI);
        float[] expected = pre.Preprocess(image);
        float[][] results = new float[8][];
        Parallel.For(0, 8, i => results[i] = pre.Preprocess(image));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Preprocess_WrongDestinationLength_ThrowsInvalidInput()
    {
        var image = ClipImage.FromPixels(2, 2, PixelFormat.Gray8, new byte[4]);
        var ex = Assert.Throws<ClipSharpException>(() => ImagePreprocessor.Create(PreprocessConfig.OpenAI).Preprocess(image, new float[10]));
        Assert.Equal(ClipErrorKind.InvalidInput, ex.Kind);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientation_Values2To8_ProduceTheUprightImage(int orientation)
    {
        // Stored 3x2 image with distinct pixels; the expected result composes elementary flips/rotations (forward mapping).
        const int w = 3, h = 2;
        byte[] src = [0, 1, 2, 3, 4, 5];
        static (int X, int Y, int W, int H) RotCw(int x, int y, int width, int height) => (height - 1 - y, x, height, width);
        static (int X, int Y, int W, int H) RotCcw(int x, int y, int width, int height) => (y, width - 1 - x, height, width);
        static (int X, int Y, int W, int H) FlipH(int x, int y, int width, int height) => (width - 1 - x, y, width, height);
        static (int X, int Y, int W, int H) FlipV(int x, int y, int width, int height) => (x, height - 1 - y, width, height);

        var result = Exif.Apply(src, w, h, 1, orientation);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                (int X, int Y, int W, int H) p = orientation switch
                {
                    2 => FlipH(x, y, w, h),
                    3 => FlipV(FlipH(x, y, w, h).X, FlipH(x, y, w, h).Y, w, h),
                    4 => FlipV(x, y, w, h),
                    5 => FlipH(RotCw(x, y, w, h).X, RotCw(x, y, w, h).Y, h, w),
                    6 => RotCw(x, y, w, h),
                    7 => FlipV(RotCw(x, y, w, h).X, RotCw(x, y, w, h).Y, h, w),
                    _ => RotCcw(x, y, w, h),
                };
                Assert.Equal((p.W, p.H), (result.Width, result.Height));
                Assert.Equal(src[(y * w) + x], result.Pixels[(p.Y * p.W) + p.X]);
            }
        }
    }
}
