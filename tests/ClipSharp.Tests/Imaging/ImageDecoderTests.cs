using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

public class ImageDecoderTests
{
    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 }, "PNG")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16 }, "JPEG")]
    [InlineData(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 1, 0 }, "GIF")]
    [InlineData(new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 0, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P' }, "WebP")]
    [InlineData(new byte[] { (byte)'B', (byte)'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "BMP")]
    [InlineData(new byte[] { (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0 }, "TIFF")]
    [InlineData(new byte[] { (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8 }, "TIFF")]
    [InlineData(new byte[] { 0, 0, 0, 24, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h', (byte)'e', (byte)'i', (byte)'c', 0, 0, 0, 0 }, "HEIC")]
    [InlineData(new byte[] { 0, 0, 0, 24, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'a', (byte)'v', (byte)'i', (byte)'f', 0, 0, 0, 0 }, "AVIF")]
    [InlineData(new byte[] { 0, 0, 0, 20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'m', (byte)'i', (byte)'f', (byte)'1', 0, 0, 0, 0, (byte)'a', (byte)'v', (byte)'i', (byte)'f' }, "AVIF")]
    public void SniffFormat_KnownMagicBytes_NamesTheFormat(byte[] header, string expected) => Assert.Equal(expected, ImageDecoder.SniffFormat(header));

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' })]
    [InlineData(new byte[] { 0xFF, 0xD8 })]
    public void SniffFormat_UnknownOrShortData_ReturnsNull(byte[] header) => Assert.Null(ImageDecoder.SniffFormat(header));

    [Fact]
    public void FromPixels_BufferSize_IsValidatedAgainstTheDimensions()
    {
        var ex = Assert.Throws<ClipSharpException>(() => ClipImage.FromPixels(4, 4, PixelFormat.Rgb24, new byte[47]));
        Assert.Equal(ClipErrorKind.InvalidInput, ex.Kind);
        Assert.Throws<ClipSharpException>(() => ClipImage.FromPixels(0, 4, PixelFormat.Gray8, Array.Empty<byte>()));
        var ok = ClipImage.FromPixels(4, 4, PixelFormat.Rgba32, new byte[64]);
        Assert.Equal((4, 4, 4, "raw", 1, false), (ok.Width, ok.Height, ok.Channels, ok.SourceFormat, ok.Orientation, ok.IsPalette));
    }

    [Fact]
    public void DecodeFromMemory_WithoutName_StillNamesTheInput()
    {
        var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode("not an image"u8));
        Assert.Equal(ClipErrorKind.UnknownFormat, ex.Kind);
        Assert.NotNull(ex.Input);
        var named = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(ReadOnlySpan<byte>.Empty, "upload.jpg"));
        Assert.Equal("upload.jpg: empty file", named.Message);
    }

    [Fact]
    public void Decode_MissingFile_ThrowsIoNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), "clipsharp-no-such-file.png");
        var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(path));
        Assert.Equal(ClipErrorKind.Io, ex.Kind);
        Assert.Equal(path, ex.Input);
    }

    [Fact]
    public void Decode_GarbageAfterPngSignature_ThrowsClipSharpExceptionNotACrash()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            byte[] data = new byte[rng.Next(8, 200)];
            rng.NextBytes(data);
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(data, 0);
            var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(data, "fuzz.png"));
            Assert.Equal("fuzz.png", ex.Input);
        }
    }

    [SkippableFact]
    public void Decode_TruncatedPng_IsRejectedAsCorrupt()
    {
        byte[] png = File.ReadAllBytes(TestData.Path("photos", "cat-chelsea.png"));
        var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(png.AsSpan(0, png.Length / 2), "half.png"));
        Assert.Equal(ClipErrorKind.CorruptImage, ex.Kind);
        Assert.Contains("truncated or corrupt image", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Decode_FromAStream_EqualsDecodeFromTheFile()
    {
        string path = TestData.Path("golden", "images", "rocket.jpg");
        using FileStream fs = File.OpenRead(path);
        ClipImage fromStream = ImageDecoder.Decode(fs, "rocket.jpg");
        ClipImage fromFile = ImageDecoder.Decode(path);
        Assert.True(fromStream.Pixels.Span.SequenceEqual(fromFile.Pixels.Span));
        Assert.Equal("JPEG", fromFile.SourceFormat);
    }

    [SkippableTheory]
    [InlineData("golden/images/rocket.jpg", 640, 427, "JPEG")]
    [InlineData("golden/images/chelsea.png", 451, 300, "PNG")]
    [InlineData("edge/cat-animated-2frames.gif", 451, 300, "GIF")]
    [InlineData("edge/cat-lossy.webp", 451, 300, "WebP")]
    [InlineData("edge/cat-lossless-alpha.webp", 451, 300, "WebP")]
    [InlineData("edge/cat-24bit.bmp", 451, 300, "BMP")]
    [InlineData("edge/cat-orientation-6.jpg", 300, 451, "JPEG")]
    [InlineData("edge/bomb-50000x50000-valid.png", 50000, 50000, "PNG")]
    public void ReadHeader_ImageFile_GivesTheStoredSizeWithoutDecoding(string relative, int w, int h, string format)
    {
        string path = TestData.Path(relative.Split('/'));
        Assert.Equal((w, h, format), ImageDecoder.ReadHeader(path));
    }

    [SkippableFact]
    public void ReadHeader_OfUnsupportedFormat_ThrowsUnsupported()
    {
        string path = TestData.Path("edge", "cat.heic");
        var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.ReadHeader(path));
        Assert.Equal(ClipErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Decode_MaxPixelsBelowTheImageSize_ThrowsImageTooLarge()
    {
        string path = TestData.Path("photos", "cat-chelsea.png");
        var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(path, new ImageDecodeOptions { MaxPixels = 1000 }));
        Assert.Equal(ClipErrorKind.ImageTooLarge, ex.Kind);
        Assert.Contains("451x300", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Decode_GrayRgbaOrPalettePng_KeepsItsPixelFormat()
    {
        ClipImage gray = ImageDecoder.Decode(TestData.Path("golden", "images", "camera.png"));
        Assert.Equal(PixelFormat.Gray8, gray.Format);
        ClipImage rgba = ImageDecoder.Decode(TestData.Path("golden", "images", "edge_alpha_coffee.png"));
        Assert.Equal(PixelFormat.Rgba32, rgba.Format);
        ClipImage palette = ImageDecoder.Decode(TestData.Path("golden", "images", "edge_palette_rocket.png"));
        Assert.True(palette.IsPalette);
    }

    [SkippableFact]
    public void Decode_LzwTiff_EqualsThePngPixels()
    {
        ClipImage tiff = ImageDecoder.Decode(TestData.Path("edge", "cat-lzw.tif"));
        Assert.Equal(("TIFF", PixelFormat.Rgb24), (tiff.SourceFormat, tiff.Format));
        Assert.True(ImageAssert.RgbIdentical(tiff, ImageDecoder.Decode(TestData.Path("photos", "cat-chelsea.png"))));
    }

    [Fact]
    public void Decode_TiledTiff_IsRejectedAsUnsupported()
    {
        // Little-endian TIFF, one IFD: width 4, height 4, 8-bit RGB, TileWidth tag present.
        byte[] d = new byte[8 + 2 + (5 * 12) + 4];
        "II*\0"u8.CopyTo(d);
        d[4] = 8;
        d[8] = 5;
        void Entry(int i, int tag, int type, int count, int value)
        {
            int e = 10 + (i * 12);
            BitConverter.TryWriteBytes(d.AsSpan(e), (ushort)tag);
            BitConverter.TryWriteBytes(d.AsSpan(e + 2), (ushort)type);
            BitConverter.TryWriteBytes(d.AsSpan(e + 4), count);
            BitConverter.TryWriteBytes(d.AsSpan(e + 8), value);
        }

        Entry(0, 256, 3, 1, 4);
        Entry(1, 257, 3, 1, 4);
        Entry(2, 262, 3, 1, 2);
        Entry(3, 277, 3, 1, 3);
        Entry(4, 322, 3, 1, 16);
        var ex = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(d, "tiled.tif"));
        Assert.Equal(ClipErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains("unsupported image format: TIFF", ex.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("cat-baseline.jpg")]
    [InlineData("cat-progressive.jpg")]
    [InlineData("cat-rgba.png")]
    [InlineData("cat-palette-transparent.png")]
    [InlineData("cat-interlaced-adam7.png")]
    [InlineData("cat-lossy.webp")]
    [InlineData("cat-lossless-alpha.webp")]
    [InlineData("cat-animated-2frames.gif")]
    [InlineData("cat-24bit.bmp")]
    [InlineData("cat-lzw.tif")]
    public void Decode_TruncatedOrBitFlippedFile_FailsOnlyWithClipSharpException(string file)
    {
        byte[] original = File.ReadAllBytes(TestData.Path("edge", file));
        var rng = new Random(1234);
        for (int trial = 0; trial < 12; trial++)
        {
            byte[] data;
            if (trial < 6)
            {
                data = original.AsSpan(0, rng.Next(1, original.Length)).ToArray();
            }
            else
            {
                data = (byte[])original.Clone();
                for (int k = 0; k < 8; k++)
                {
                    data[rng.Next(0, Math.Min(data.Length, 4096))] ^= (byte)(1 << rng.Next(8));
                }
            }

            try
            {
                ClipImage image = ImageDecoder.Decode(data, file);
                Assert.Equal(image.Width * image.Height * image.Channels, image.Pixels.Length);
            }
            catch (ClipSharpException ex)
            {
                Assert.Equal(file, ex.Input);
            }
        }
    }
}
