using System.Buffers.Binary;
using System.Text;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>Content sniffing, header sizes and the EXIF reader (including malformed EXIF).</summary>
public sealed class ImageProbeTests
{
    /// <summary>A JPEG header with an APP1 Exif segment (orientation, DateTimeOriginal in the Exif IFD) and an SOF0.</summary>
    internal static byte[] JpegWithExif(string? date, ushort orientation = 1, bool bigEndian = false, Action<byte[]>? damage = null)
    {
        var tiff = new byte[200];
        void U16(int at, int v) { if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v); } else { BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v); } }
        void U32(int at, int v) { if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), (uint)v); } else { BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), (uint)v); } }
        tiff[0] = tiff[1] = (byte)(bigEndian ? 'M' : 'I');
        U16(2, 42);
        U32(4, 8);
        U16(8, 2); // IFD0: 2 entries
        U16(10, 0x0112); U16(12, 3); U32(14, 1); U16(18, orientation);
        U16(22, 0x8769); U16(24, 4); U32(26, 1); U32(30, 38);
        U32(34, 0);
        U16(38, 1); // Exif IFD: 1 entry
        U16(40, 0x9003); U16(42, 2); U32(44, 20); U32(48, 60);
        U32(52, 0);
        if (date is not null)
        {
            Encoding.ASCII.GetBytes(date).CopyTo(tiff, 60);
        }

        damage?.Invoke(tiff);
        var jpeg = new List<byte> { 0xFF, 0xD8, 0xFF, 0xE1 };
        int length = 2 + 6 + tiff.Length;
        jpeg.Add((byte)(length >> 8));
        jpeg.Add((byte)length);
        jpeg.AddRange("Exif\0\0"u8.ToArray());
        jpeg.AddRange(tiff);
        jpeg.AddRange([0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x01, 0xC3, 0x03]); // 451×300
        jpeg.AddRange(new byte[14]);
        jpeg.AddRange([0xFF, 0xD9]);
        return [.. jpeg];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exif_date_taken_and_orientation_are_read_from_jpeg_app1(bool bigEndian)
    {
        var probe = ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", 6, bigEndian));
        Assert.Equal("JPEG", probe.Format);
        Assert.Equal(new DateTime(2021, 8, 15, 17, 42, 3), probe.TakenAt);
        Assert.Equal(6, probe.Orientation);
        Assert.Equal((300, 451), (probe.Width, probe.Height)); // rotated: displayed size
    }

    [Fact]
    public void Malformed_exif_is_tolerated_and_yields_no_date()
    {
        Assert.Null(ImageProbe.Probe(JpegWithExif("not a date at all!!")).TakenAt);
        Assert.Null(ImageProbe.Probe(JpegWithExif(null)).TakenAt);
        // Offsets pointing outside the block, a huge entry count, a bad byte-order mark.
        Assert.Null(ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(30), 0xFFFFFF00))).TakenAt);
        Assert.Null(ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(48), 5000))).TakenAt);
        var probe = ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(8), 0xFFFF)));
        Assert.Equal("JPEG", probe.Format);
        Assert.Null(ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => t[0] = (byte)'X')).TakenAt);
        var truncated = JpegWithExif("2021:08:15 17:42:03")[..40];
        Assert.Equal("JPEG", ImageProbe.Probe(truncated).Format);
    }

    [SkippableFact]
    public void Formats_are_sniffed_from_content_not_extension()
    {
        Assert.Equal("PNG", ImageProbe.Probe(File.ReadAllBytes(TestData.Path("edge", "png-data-named.jpg"))).Format);
        Assert.Null(ImageProbe.Probe(File.ReadAllBytes(TestData.Path("edge", "text-not-an-image.jpg"))).Format);
        Assert.Equal("HEIC", ImageProbe.Probe(File.ReadAllBytes(TestData.Path("edge", "cat.heic"))).Format);
        Assert.Equal("AVIF", ImageProbe.Probe(File.ReadAllBytes(TestData.Path("edge", "cat.avif"))).Format);
        Assert.Equal("WebP", ImageProbe.Probe(File.ReadAllBytes(TestData.Path("edge", "cat-lossy.webp"))).Format);
    }

    [SkippableTheory]
    [InlineData("cat-baseline.jpg", 451, 300)]
    [InlineData("cat-progressive.jpg", 451, 300)]
    [InlineData("cat-orientation-6.jpg", 451, 300)]
    [InlineData("cat-rgba.png", 451, 300)]
    [InlineData("cat-animated-2frames.gif", 451, 300)]
    [InlineData("cat-24bit.bmp", 451, 300)]
    [InlineData("cat-lossy.webp", 451, 300)]
    [InlineData("cat-lossless-alpha.webp", 451, 300)]
    [InlineData("panorama-6000x200.jpg", 6000, 200)]
    [InlineData("bomb-50000x50000-valid.png", 50000, 50000)]
    [InlineData("jpeg-sof-claims-65500x65500.jpg", 65500, 65500)]
    public void Header_sizes_are_read_as_displayed(string file, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(TestData.Path("edge", file));
        var probe = ImageProbe.Probe(bytes.AsSpan(0, Math.Min(bytes.Length, ImageProbe.HeaderBytes)));
        Assert.Equal((width, height), (probe.Width, probe.Height));
    }

    [Theory]
    [InlineData("photos/*.jpg", "photos/a.jpg", true)]
    [InlineData("photos/*.jpg", "photos/x/a.jpg", false)]
    [InlineData("**/*.jpg", "a/b/c.jpg", true)]
    [InlineData("**/*.jpg", "c.jpg", true)]
    [InlineData("raw", "raw/x.png", true)]
    [InlineData("IMG_????.png", "IMG_0001.png", true)]
    [InlineData("[ab]*.png", "b1.png", true)]
    [InlineData("[ab]*.png", "c1.png", false)]
    public void Globs_match_relative_paths(string glob, string path, bool matches)
        => Assert.Equal(matches, FolderWalker.Glob(glob).IsMatch(path));
}
