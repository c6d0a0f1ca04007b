using System.Buffers.Binary;

namespace ClipSharp.Imaging;

/// <summary>
/// The frame header (SOFn) of a JPEG, found by walking the marker segments without decoding. <see cref="Progressive"/>
/// is true for SOF2/SOF6/SOF10/SOF14, whose decoding keeps every DCT coefficient of the image in memory.
/// <see cref="Orientation"/> is the EXIF orientation of an APP1 segment before the frame header (1 when there is none).
/// </summary>
internal readonly record struct JpegHeader(int Width, int Height, int Components, bool Progressive = false, int Orientation = 1)
{
    internal static JpegHeader Read(ReadOnlySpan<byte> d)
    {
        int pos = 2;
        int orientation = 1;
        while (true)
        {
            // Find the next marker (skip fill bytes).
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
                throw new ClipSharpException(ClipErrorKind.CorruptImage, "truncated or corrupt image (JPEG: no frame header)");
            }

            byte marker = d[pos++];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                continue;
            }

            if (marker == 0xD9 || marker == 0xDA)
            {
                throw new ClipSharpException(ClipErrorKind.CorruptImage, "truncated or corrupt image (JPEG: no frame header before the scan)");
            }

            int len = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
            bool sof = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (sof)
            {
                if (pos + 8 > d.Length)
                {
                    throw new ClipSharpException(ClipErrorKind.CorruptImage, "truncated or corrupt image (JPEG: short frame header)");
                }

                int h = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 3)..]);
                int w = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 5)..]);
                int nf = d[pos + 7];
                return new JpegHeader(w, h, nf, marker is 0xC2 or 0xC6 or 0xCA or 0xCE, orientation);
            }

            if (len < 2)
            {
                throw new ClipSharpException(ClipErrorKind.CorruptImage, "truncated or corrupt image (JPEG: bad segment length)");
            }

            if (marker == 0xE1 && orientation == 1)
            {
                // APP1: "Exif\0\0" and a TIFF block (Exif.ReadOrientation returns 1 for anything else).
                orientation = Exif.ReadOrientation(d.Slice(pos + 2, Math.Min(len - 2, d.Length - pos - 2)));
            }

            pos += len;
        }
    }
}
