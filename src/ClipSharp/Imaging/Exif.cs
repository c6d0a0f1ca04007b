using System.Buffers.Binary;

namespace ClipSharp.Imaging;

/// <summary>
/// Reads EXIF (a TIFF-structured block: byte-order mark, 42, IFD0 and the Exif sub-IFD) for the orientation and the date
/// taken, and applies orientations to pixels. The one EXIF reader: JPEG APP1 segments and PNG eXIf chunks come here.
/// </summary>
internal static class Exif
{
    private const int OrientationTag = 0x0112;
    private const int ExifIfdTag = 0x8769;
    private const int DateTimeOriginalTag = 0x9003;

    /// <summary>Entries read per directory at most (real ones hold tens; a corrupt count must not make the walk long).</summary>
    private const int MaxEntries = 512;

    /// <summary>
    /// The orientation (1..8, else 1) and DateTimeOriginal (else null) of an EXIF block starting at the byte-order mark,
    /// or at an "Exif\0\0" header before it (which <paramref name="requireHeader"/> demands, as a JPEG APP1 segment has
    /// it). Anything malformed is ignored, never thrown; nothing is allocated.
    /// </summary>
    internal static (int Orientation, DateTime? TakenAt) Read(ReadOnlySpan<byte> tiff, bool requireHeader = false)
    {
        if (tiff.Length >= 6 && tiff[..6].SequenceEqual("Exif\0\0"u8))
        {
            tiff = tiff[6..];
        }
        else if (requireHeader)
        {
            return (1, null);
        }

        if (tiff.Length < 8)
        {
            return (1, null);
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
            return (1, null);
        }

        if (U16(tiff, 2, little) != 42)
        {
            return (1, null);
        }

        int orientation = 1;
        long exifIfd = -1;
        long ifd0 = U32(tiff, 4, little);
        int n = EntryCount(tiff, ifd0, little);
        for (int i = 0; i < n; i++)
        {
            int e = (int)ifd0 + 2 + (i * 12);
            int tag = U16(tiff, e, little), type = U16(tiff, e + 2, little);
            if (tag == OrientationTag && type == 3)
            {
                int o = U16(tiff, e + 8, little);
                orientation = o is >= 1 and <= 8 ? o : 1;
            }
            else if (tag == ExifIfdTag && type is 4 or 13 && U32(tiff, e + 4, little) == 1)
            {
                exifIfd = U32(tiff, e + 8, little);
            }
        }

        DateTime? taken = null;
        n = EntryCount(tiff, exifIfd, little);
        for (int i = 0; i < n && taken is null; i++)
        {
            int e = (int)exifIfd + 2 + (i * 12);
            uint count = U32(tiff, e + 4, little);
            if (U16(tiff, e, little) == DateTimeOriginalTag && U16(tiff, e + 2, little) == 2 && count >= 19)
            {
                // "YYYY:MM:DD HH:MM:SS" and a NUL: 20 bytes, so the value is elsewhere (its offset in the entry).
                long at = U32(tiff, e + 8, little);
                if (at + 19 <= tiff.Length)
                {
                    taken = ParseDate(tiff.Slice((int)at, 19));
                }
            }
        }

        return (orientation, taken);
    }

    /// <summary>The number of whole entries of the directory at <paramref name="offset"/> inside the block (0 when it lies outside).</summary>
    private static int EntryCount(ReadOnlySpan<byte> tiff, long offset, bool little)
    {
        if (offset < 8 || offset + 2 > tiff.Length)
        {
            return 0;
        }

        int declared = U16(tiff, (int)offset, little);
        long fit = (tiff.Length - offset - 2) / 12;
        return (int)Math.Min(Math.Min(declared, fit), MaxEntries);
    }

    private static DateTime? ParseDate(ReadOnlySpan<byte> s)
    {
        Span<char> chars = stackalloc char[19];
        for (int i = 0; i < 19; i++)
        {
            chars[i] = (char)s[i];
        }

        return DateTime.TryParseExact(chars, "yyyy:MM:dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out DateTime d) ? DateTime.SpecifyKind(d, DateTimeKind.Unspecified) : null;
    }

    private static int U16(ReadOnlySpan<byte> b, int at, bool little)
        => at < 0 || at + 2 > b.Length ? 0 : little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at, bool little)
        => at < 0 || at + 4 > b.Length ? 0 : little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);

    /// <summary>Returns the upright pixels for an image stored with EXIF <paramref name="orientation"/> (2..8), and the new size.</summary>
    internal static (byte[] Pixels, int Width, int Height) Apply(ReadOnlySpan<byte> src, int w, int h, int channels, int orientation)
    {
        byte[] dst = new byte[src.Length];
        (int ow, int oh) = Apply(src, dst, w, h, channels, orientation);
        return (dst, ow, oh);
    }

    /// <summary>Writes the upright pixels into <paramref name="dst"/> (as long as <paramref name="src"/>); returns the new size.</summary>
    internal static (int Width, int Height) Apply(ReadOnlySpan<byte> src, Span<byte> dst, int w, int h, int channels, int orientation)
    {
        bool swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    8 => (w - 1 - y, x),
                    _ => (x, y),
                };
                src.Slice(((sy * w) + sx) * channels, channels).CopyTo(dst.Slice(((y * ow) + x) * channels, channels));
            }
        }

        return (ow, oh);
    }
}
