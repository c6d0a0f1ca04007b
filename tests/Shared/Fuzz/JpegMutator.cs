using System.Buffers.Binary;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// Mutates JPEG files along their marker segments: segment lengths, marker codes, the frame header's size and
/// component fields, EXIF (APP1) blocks through <see cref="TiffMutator"/> (IFD offsets, counts, types), inserted or
/// removed segments. Seeds stay JPEGs (FF D8 FF) so the walkers get past the magic bytes.
/// </summary>
internal static class JpegMutator
{
    private static readonly byte[] s_markers = [0x01, 0xC0, 0xC2, 0xC4, 0xC8, 0xCC, 0xCF, 0xD0, 0xD8, 0xD9, 0xDA, 0xDB, 0xE0, 0xE1, 0xFE, 0xFF];

    /// <summary>A segment: where its FF is, its marker, and (for segments with a length) where the length field is.</summary>
    internal readonly record struct Segment(int At, byte Marker, int Length);

    public static byte[] Mutate(Random rng, byte[] input)
    {
        List<Segment> segments = Segments(input);
        if (segments.Count == 0 || rng.Next(10) == 0)
        {
            return Mutator.Mutate(rng, input);
        }

        byte[] d = (byte[])input.Clone();
        Segment s = segments[rng.Next(segments.Count)];
        Segment? sof = segments.Find(x => x.Marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) is { Length: > 0 } f ? f : null;
        Segment? exif = segments.Find(x => x.Marker == 0xE1 && x.Length >= 8 && d.AsSpan(x.At + 4).StartsWith("Exif\0\0"u8)) is { Length: > 0 } x ? x : null;
        switch (rng.Next(8))
        {
            case 0: // a segment's length
                BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(s.At + 2), rng.Next(2) == 0 ? Mutator.Interesting16(rng) : (ushort)Math.Max(0, s.Length + rng.Next(-3, 4)));
                break;
            case 1: // a marker code
                d[s.At + 1] = s_markers[rng.Next(s_markers.Length)];
                break;
            case 2 when sof is { } frame && frame.At + 10 <= d.Length: // frame height, width or component count
                {
                    int field = rng.Next(3);
                    if (field < 2)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(frame.At + 5 + (field * 2)), rng.Next(2) == 0 ? Mutator.Interesting16(rng) : (ushort)rng.Next(64));
                    }
                    else
                    {
                        d[frame.At + 9] = (byte)(rng.Next(2) == 0 ? rng.Next(6) : rng.Next(256));
                    }

                    break;
                }

            case 3 when exif is { } app1: // the EXIF block's IFDs
                {
                    int tiff = app1.At + 10;
                    int end = Math.Min(d.Length, app1.At + 2 + app1.Length);
                    byte[] block = TiffMutator.Mutate(rng, d[tiff..end]);
                    return [.. d.AsSpan(0, tiff), .. block, .. d.AsSpan(end)];
                }

            case 4: // a new EXIF segment before this one (its length right or wrong)
                {
                    byte[] block = TiffBuilder.Exif(rng.Next(2) == 0, rng.Next(10), "2024:05:06 07:08:09");
                    if (rng.Next(2) == 0)
                    {
                        block = TiffMutator.Mutate(rng, block);
                    }

                    byte[] app1 = [0xFF, 0xE1, 0, 0, .. "Exif\0\0"u8, .. block];
                    BinaryPrimitives.WriteUInt16BigEndian(app1.AsSpan(2), rng.Next(4) == 0 ? Mutator.Interesting16(rng) : (ushort)Math.Min(app1.Length - 2, ushort.MaxValue));
                    return [.. d.AsSpan(0, s.At), .. app1, .. d.AsSpan(s.At)];
                }

            case 5: // drop the segment
                return [.. d.AsSpan(0, s.At), .. d.AsSpan(Math.Min(d.Length, s.At + 2 + s.Length))];
            case 6: // cut inside or right after a header segment
                return d[..Math.Min(d.Length, s.At + rng.Next(2 + s.Length + 2))];
            default:
                return Mutator.Mutate(rng, d);
        }

        return d;
    }

    /// <summary>The segments before the first scan (SOS) or EOI.</summary>
    public static List<Segment> Segments(byte[] d)
    {
        var list = new List<Segment>();
        int pos = 2;
        while (pos + 4 <= d.Length && d[pos] == 0xFF && list.Count < 64)
        {
            byte marker = d[pos + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 2));
            list.Add(new Segment(pos, marker, length));
            if (marker is 0xDA or 0xD9 || length < 2)
            {
                break;
            }

            pos += 2 + length;
        }

        return list;
    }
}
