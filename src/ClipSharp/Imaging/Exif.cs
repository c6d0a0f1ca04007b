using System.Buffers.Binary;

namespace ClipSharp.Imaging;

/// <summary>Reads the orientation tag from an EXIF (TIFF-structured) block, and applies orientations to pixels.</summary>
internal static class Exif
{
    /// <summary>The orientation (1..8) in a TIFF-structured EXIF block (starting at the byte-order mark), or 1.</summary>
    internal static int ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length >= 6 && tiff[..6].SequenceEqual("Exif\0\0"u8))
        {
            tiff = tiff[6..];
        }

        if (tiff.Length < 8)
        {
            return 1;
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
            return 1;
        }

        uint ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        if (ifd > tiff.Length - 2)
        {
            return 1;
        }

        int n = little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[(int)ifd..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[(int)ifd..]);
        for (int i = 0; i < n; i++)
        {
            int e = (int)ifd + 2 + (i * 12);
            if (e + 12 > tiff.Length)
            {
                break;
            }

            int tag = little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[e..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[e..]);
            if (tag == 0x0112)
            {
                int v = little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[(e + 8)..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[(e + 8)..]);
                return v is >= 1 and <= 8 ? v : 1;
            }
        }

        return 1;
    }

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
