using System.Buffers.Binary;

namespace ClipSharp.Imaging;

/// <summary>
/// The frame header (SOFn) of a JPEG, found by walking the marker segments without decoding. <see cref="Progressive"/>
/// is true for SOF2/SOF6/SOF10/SOF14, whose decoding keeps every DCT coefficient of the image in memory.
/// <see cref="Orientation"/> and <see cref="TakenAt"/> come from the EXIF APP1 segments before the frame header
/// (1 and null when there are none).
/// </summary>
internal readonly record struct JpegHeader(int Width, int Height, int Components, bool Progressive = false, int Orientation = 1, DateTime? TakenAt = null)
{
    /// <summary>The frame header, or a CorruptImage <see cref="ClipSharpException"/> when there is none before the scan.</summary>
    internal static JpegHeader Read(ReadOnlySpan<byte> d)
        => TryRead(d, out JpegHeader header, out string? error)
            ? header
            : throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image (JPEG: {error})");

    /// <summary>
    /// Walks the markers up to the frame header. On failure <paramref name="header"/> still holds the EXIF fields read
    /// before it (size 0) and <paramref name="error"/> says what was wrong.
    /// </summary>
    internal static bool TryRead(ReadOnlySpan<byte> d, out JpegHeader header, out string? error)
    {
        int pos = 2;
        int orientation = 1;
        DateTime? taken = null;
        while (true)
        {
            header = new JpegHeader(0, 0, 0, false, orientation, taken);

            // Find the next marker (skip fill bytes and, as libjpeg does, garbage between segments).
            while (pos < d.Length && d[pos] != 0xFF)
            {
                pos++;
            }

            while (pos < d.Length && d[pos] == 0xFF)
            {
                pos++;
            }

            if (pos + 2 >= d.Length)
            {
                error = "no frame header";
                return false;
            }

            byte marker = d[pos++];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                continue;
            }

            if (marker == 0xD9 || marker == 0xDA)
            {
                error = "no frame header before the scan";
                return false;
            }

            int len = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
            bool sof = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (sof)
            {
                if (pos + 8 > d.Length)
                {
                    error = "short frame header";
                    return false;
                }

                int h = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 3)..]);
                int w = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 5)..]);
                int nf = d[pos + 7];
                header = new JpegHeader(w, h, nf, marker is 0xC2 or 0xC6 or 0xCA or 0xCE, orientation, taken);
                error = null;
                return true;
            }

            if (len < 2)
            {
                error = "bad segment length";
                return false;
            }

            if (marker == 0xE1)
            {
                // APP1: "Exif\0\0" and a TIFF block (anything else reads as no EXIF). The first orientation other than
                // 1 and the first date win (a later APP1 may be XMP or a second, thumbnail-only EXIF).
                (int o, DateTime? t) = Exif.Read(d.Slice(pos + 2, Math.Min(len - 2, d.Length - pos - 2)), requireHeader: true);
                orientation = orientation == 1 ? o : orientation;
                taken ??= t;
            }

            pos += len;
        }
    }
}
