using ClipSharp.Imaging;
using ClipSharp.Tests.Fuzz;
using Xunit;
using static ClipSharp.Tests.Fuzz.TiffBuilder;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Found by the fuzz tests: a file of a few dozen bytes whose header declares an image inside the pixel limit made the
/// decoder allocate the whole pixel buffer (up to 716 MB at the default limit) before finding the data missing.
/// </summary>
public class DecodeAllocationTests
{
    private const long Budget = 256 * 1024;

    private static (ClipSharpException Error, long Allocated) DecodeMeasured(byte[] file, string name)
    {
        ImageDecoder.Decode(PngMutator.Build(new Random(1), 4, 4, 2, 8, false, 0)); // warm up: first-call allocations are not the decoder's
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ClipSharpException>(() => ImageDecoder.Decode(file, name));
        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void PngDecoder_TinyFileDeclaringAMegapixel_IsRefusedBeforeAllocatingPixels()
    {
        // 1000x1000 RGBA declared (4 MB of pixels), one short IDAT: deflate cannot expand it to the 4,001,000 filtered bytes.
        byte[] png = PngMutator.Write(
        [
            .. PngMutator.Read(PngMutator.Build(new Random(2), 10, 1, 6, 8, false, 0))!.Select(c => c.Type == "IHDR" ? c with { Body = [0, 0, 3, 0xE8, 0, 0, 3, 0xE8, 8, 6, 0, 0, 0] } : c),
        ]);
        Assert.True(png.Length < 200);

        var (error, allocated) = DecodeMeasured(png, "tiny.png");

        Assert.Equal(ClipErrorKind.CorruptImage, error.Kind);
        Assert.Equal("tiny.png", error.Input);
        Assert.Contains("not enough image data", error.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, Budget);
    }

    [Fact]
    public void TiffDecoder_TinyFileDeclaringAMegapixel_IsRefusedBeforeAllocatingPixels()
    {
        // 1000x1000 RGB declared (3 MB), one 100-byte deflate strip: at most 103,200 bytes after inflating.
        byte[] strip = new byte[100];
        byte[] tiff = Image(false, [strip], (offsets, counts) =>
        [
            new(256, 3, [1000]), new(257, 3, [1000]), new(258, 3, [8, 8, 8]), new(259, 3, [8]), new(262, 3, [2]),
            new(273, 4, offsets), new(277, 3, [3]), new(278, 3, [1000]), new(279, 4, counts),
        ]);

        var (error, allocated) = DecodeMeasured(tiff, "tiny.tif");

        Assert.Equal(ClipErrorKind.CorruptImage, error.Kind);
        Assert.Equal("tiny.tif", error.Input);
        Assert.Contains("not enough image data", error.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, Budget);
    }
}
