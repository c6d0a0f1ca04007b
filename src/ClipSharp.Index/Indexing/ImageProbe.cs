using System.Buffers.Binary;
using ClipSharp.Imaging;

namespace ClipSharp.Index;

/// <summary>What the first bytes of a file say about it.</summary>
internal sealed record ProbeResult(string? Format, int Width, int Height, DateTime? TakenAt, int Orientation)
{
    public bool IsImage => Format is not null;
}

/// <summary>
/// Recognises images by their magic bytes (never by extension) and reads the header: size, EXIF orientation and
/// DateTimeOriginal (JPEG APP1). Malformed headers and EXIF are tolerated: the fields stay unknown.
/// </summary>
internal static class ImageProbe
{
    public const int HeaderBytes = 256 * 1024;

    private static readonly HashSet<string> s_imageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".dib", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif",
    };

    /// <summary>True for names that claim to be images (used only to decide whether a non-image is worth reporting).</summary>
    public static bool HasImageExtension(string path) => s_imageExtensions.Contains(Path.GetExtension(path));

    /// <summary>The format by magic bytes, as the decoder itself sniffs it (one definition of "is an image").</summary>
    public static string? SniffFormat(ReadOnlySpan<byte> b) => ImageDecoder.SniffFormat(b);

    public static ProbeResult Probe(ReadOnlySpan<byte> header)
    {
        string? format = SniffFormat(header);
        int w = 0, h = 0, orientation = 1;
        DateTime? taken = null;
        try
        {
            switch (format)
            {
                case "PNG" when header.Length >= 24:
                    w = ClampInt(BinaryPrimitives.ReadUInt32BigEndian(header[16..]));
                    h = ClampInt(BinaryPrimitives.ReadUInt32BigEndian(header[20..]));
                    break;
                case "GIF" when header.Length >= 10:
                    w = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
                    h = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
                    break;
                case "BMP":
                    w = Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(header[18..]));
                    h = Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(header[22..]));
                    break;
                case "WebP":
                    (w, h) = WebPSize(header);
                    break;
                case "JPEG":
                    (w, h, taken, orientation) = ReadJpeg(header);
                    break;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            // A header cut short: the size stays unknown.
        }

        if (orientation is >= 5 and <= 8)
        {
            (w, h) = (h, w);
        }

        return new ProbeResult(format, w, h, taken, orientation);
    }

    private static int ClampInt(uint v) => v > int.MaxValue ? int.MaxValue : (int)v;

    private static (int, int) WebPSize(ReadOnlySpan<byte> b)
    {
        var chunk = b.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8) && b.Length >= 30)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8) && b.Length >= 25)
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(b[21..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }

        if (chunk.SequenceEqual("VP8X"u8) && b.Length >= 30)
        {
            int w = 1 + (b[24] | (b[25] << 8) | (b[26] << 16));
            int h = 1 + (b[27] | (b[28] << 8) | (b[29] << 16));
            return (w, h);
        }

        return (0, 0);
    }

    private static (int W, int H, DateTime? Taken, int Orientation) ReadJpeg(ReadOnlySpan<byte> b)
    {
        int pos = 2;
        DateTime? taken = null;
        int orientation = 1;
        while (pos + 4 <= b.Length)
        {
            if (b[pos] != 0xFF)
            {
                return (0, 0, taken, orientation);
            }

            byte marker = b[pos + 1];
            if (marker == 0xFF)
            {
                pos++;
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                pos += 2;
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                break;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 2)..]);
            if (length < 2)
            {
                break;
            }

            int payload = pos + 4;
            if (marker == 0xE1 && payload + 6 <= b.Length && b.Slice(payload, 6).SequenceEqual("Exif\0\0"u8))
            {
                int end = Math.Min(b.Length, pos + 2 + length);
                var exif = ExifReader.Read(b[(payload + 6)..end]);
                taken ??= exif.DateTimeOriginal;
                orientation = exif.Orientation;
            }
            else if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC && payload + 5 <= b.Length)
            {
                int h = BinaryPrimitives.ReadUInt16BigEndian(b[(payload + 1)..]);
                int w = BinaryPrimitives.ReadUInt16BigEndian(b[(payload + 3)..]);
                return (w, h, taken, orientation);
            }

            pos += 2 + length;
        }

        return (0, 0, taken, orientation);
    }
}

/// <summary>A minimal, bounds-checked EXIF (TIFF IFD) reader: orientation and DateTimeOriginal.</summary>
internal static class ExifReader
{
    private const ushort OrientationTag = 0x0112;
    private const ushort ExifIfdTag = 0x8769;
    private const ushort DateTimeOriginalTag = 0x9003;

    /// <summary>Reads a TIFF-structured EXIF block (starting at "II*\0" or "MM\0*"); anything malformed is ignored.</summary>
    public static (int Orientation, DateTime? DateTimeOriginal) Read(ReadOnlySpan<byte> tiff)
    {
        int orientation = 1;
        DateTime? taken = null;
        if (tiff.Length < 8)
        {
            return (orientation, taken);
        }

        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I')
        {
            little = true;
        }
        else if (tiff[0] == 'M' && tiff[1] == 'M')
        {
            little = false;
        }
        else
        {
            return (orientation, taken);
        }

        if (U16(tiff, 2, little) != 42)
        {
            return (orientation, taken);
        }

        long ifd0 = U32(tiff, 4, little);
        long exifIfd = -1;
        foreach (var (tag, type, count, valueOffset) in Entries(tiff, ifd0, little))
        {
            if (tag == OrientationTag && type == 3)
            {
                int o = U16(tiff, valueOffset, little);
                orientation = o is >= 1 and <= 8 ? o : 1;
            }
            else if (tag == ExifIfdTag && (type == 4 || type == 13) && count == 1)
            {
                exifIfd = U32(tiff, valueOffset, little);
            }
        }

        if (exifIfd > 0)
        {
            foreach (var (tag, type, count, valueOffset) in Entries(tiff, exifIfd, little))
            {
                if (tag == DateTimeOriginalTag && type == 2 && count >= 19)
                {
                    long at = count <= 4 ? valueOffset : U32(tiff, valueOffset, little);
                    if (at >= 0 && at + 19 <= tiff.Length)
                    {
                        taken = ParseDate(tiff.Slice((int)at, 19));
                    }
                }
            }
        }

        return (orientation, taken);
    }

    private static List<(ushort Tag, ushort Type, uint Count, int ValueOffset)> Entries(ReadOnlySpan<byte> tiff, long offset, bool little)
    {
        var list = new List<(ushort, ushort, uint, int)>();
        if (offset < 8 || offset + 2 > tiff.Length)
        {
            return list;
        }

        int n = U16(tiff, (int)offset, little);
        for (int i = 0; i < n && i < 512; i++)
        {
            int e = (int)offset + 2 + (i * 12);
            if (e + 12 > tiff.Length)
            {
                break;
            }

            list.Add(((ushort)U16(tiff, e, little), (ushort)U16(tiff, e + 2, little), U32(tiff, e + 4, little), e + 8));
        }

        return list;
    }

    private static DateTime? ParseDate(ReadOnlySpan<byte> s)
    {
        // "YYYY:MM:DD HH:MM:SS"
        Span<char> chars = stackalloc char[19];
        for (int i = 0; i < 19; i++)
        {
            chars[i] = (char)s[i];
        }

        return DateTime.TryParseExact(chars, "yyyy:MM:dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var d) ? DateTime.SpecifyKind(d, DateTimeKind.Unspecified) : null;
    }

    private static int U16(ReadOnlySpan<byte> b, int at, bool little)
        => at < 0 || at + 2 > b.Length ? 0 : little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at, bool little)
        => at < 0 || at + 4 > b.Length ? 0 : little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, long at, bool little) => at > int.MaxValue ? 0 : U32(b, (int)at, little);
}
