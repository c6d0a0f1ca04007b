using System.Buffers.Binary;
using System.Text;
using ClipSharp.Imaging;
using Xunit;

namespace ClipSharp.Tests.Imaging;

/// <summary>The one header probe: content sniffing, MIME types, header sizes, and the EXIF reader (including malformed EXIF).</summary>
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
    public void Probe_JpegWithExifApp1_ReadsDateTakenAndOrientation(bool bigEndian)
    {
        ImageInfo probe = ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", 6, bigEndian));
        Assert.Equal("JPEG", probe.Format);
        Assert.Equal("image/jpeg", probe.MimeType);
        Assert.Equal(new DateTime(2021, 8, 15, 17, 42, 3), probe.TakenAt);
        Assert.Equal(6, probe.Orientation);
        Assert.Equal((451, 300), (probe.Width, probe.Height)); // as stored
        Assert.Equal((300, 451), (probe.DisplayWidth, probe.DisplayHeight)); // rotated: as displayed
    }

    [Fact]
    public void Probe_MalformedExif_IsToleratedAndYieldsNoDate()
    {
        Assert.Null(ImageProbe.Probe(JpegWithExif("not a date at all!!")).TakenAt);
        Assert.Null(ImageProbe.Probe(JpegWithExif(null)).TakenAt);
        // Offsets pointing outside the block, a huge entry count, a bad byte-order mark.
        Assert.Null(ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(30), 0xFFFFFF00))).TakenAt);
        Assert.Null(ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(48), 5000))).TakenAt);
        ImageInfo probe = ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(8), 0xFFFF)));
        Assert.Equal("JPEG", probe.Format);
        Assert.Null(ImageProbe.Probe(JpegWithExif("2021:08:15 17:42:03", damage: t => t[0] = (byte)'X')).TakenAt);
        byte[] truncated = JpegWithExif("2021:08:15 17:42:03")[..40];
        Assert.Equal("JPEG", ImageProbe.Probe(truncated).Format);
    }

    [Fact]
    public void Probe_FrameHeaderBeyondThePrefix_StillReadsTheExifBeforeIt()
    {
        byte[] jpeg = JpegWithExif("2021:08:15 17:42:03", 8);
        ImageInfo probe = ImageProbe.Probe(jpeg.AsSpan(0, jpeg.Length - 30)); // cut inside the SOF0 segment
        Assert.Equal(("JPEG", 0, 0), (probe.Format, probe.Width, probe.Height));
        Assert.Equal((8, new DateTime(2021, 8, 15, 17, 42, 3)), (probe.Orientation, probe.TakenAt));
    }

    [SkippableFact]
    public void Probe_MisnamedOrUnknownFile_SniffsFormatFromContent()
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
    [InlineData("cat-lzw.tif", 451, 300)]
    [InlineData("panorama-6000x200.jpg", 6000, 200)]
    [InlineData("bomb-50000x50000-valid.png", 50000, 50000)]
    [InlineData("jpeg-sof-claims-65500x65500.jpg", 65500, 65500)]
    public void Probe_EdgeCaseHeaderPrefix_GivesTheDisplayedSize(string file, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(TestData.Path("edge", file));
        ImageInfo probe = ImageProbe.Probe(bytes.AsSpan(0, Math.Min(bytes.Length, ImageProbe.HeaderBytes)));
        Assert.Equal((width, height), (probe.DisplayWidth, probe.DisplayHeight));
    }

    [Fact]
    public void Probe_Os2BitmapCoreHeader_ReadsTheSixteenBitSize()
    {
        // BITMAPFILEHEADER (14 bytes) then the 12-byte BITMAPCOREHEADER: width 300, height 200 as 16-bit values.
        byte[] bmp = new byte[26];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14), 12);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(18), 300);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(20), 200);
        Assert.Equal(("BMP", 300, 200), (ImageProbe.Probe(bmp).Format, ImageProbe.Probe(bmp).Width, ImageProbe.Probe(bmp).Height));
    }

    [Theory]
    [InlineData("PNG", "image/png")]
    [InlineData("JPEG", "image/jpeg")]
    [InlineData("GIF", "image/gif")]
    [InlineData("WebP", "image/webp")]
    [InlineData("BMP", "image/bmp")]
    [InlineData("TIFF", "image/tiff")]
    [InlineData("HEIC", "image/heic")]
    [InlineData("AVIF", "image/avif")]
    [InlineData(null, null)]
    public void MimeType_EachSniffedFormat_HasItsImageType(string? format, string? mime) => Assert.Equal(mime, ImageProbe.MimeType(format));

    [Theory]
    [InlineData("hevc", "HEIC")]
    [InlineData("heim", "HEIC")]
    [InlineData("msf1", "HEIC")]
    [InlineData("avis", "AVIF")]
    public void SniffFormat_HeifBrands_AreOneList(string brand, string format)
    {
        byte[] header = [0, 0, 0, 16, .. "ftyp"u8, .. Encoding.ASCII.GetBytes(brand), 0, 0, 0, 0];
        Assert.Equal(format, ImageProbe.SniffFormat(header));
    }

    [Theory]
    [InlineData("photo.JPG", true)]
    [InlineData("scan.tiff", true)]
    [InlineData("IMG_1.heif", true)]
    [InlineData("notes.txt", false)]
    [InlineData("jpg", false)]
    public void HasImageExtension_Name_IsJudgedByItsExtensionOnly(string path, bool expected) => Assert.Equal(expected, ImageProbe.HasImageExtension(path));
}
