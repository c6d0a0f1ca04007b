using System.Text;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// Writes small TIFF-structured files: baseline TIFF images (header, strip data, one IFD) and EXIF blocks (IFD0 with an
/// orientation and a pointer to an EXIF IFD holding DateTimeOriginal). Seeds for the TIFF decoder and the EXIF walkers.
/// </summary>
internal static class TiffBuilder
{
    /// <summary>An IFD entry: types 1 (BYTE), 2 (ASCII), 3 (SHORT) or 4 (LONG) with their values.</summary>
    internal sealed record Entry(ushort Tag, ushort Type, uint[] Values);

    /// <summary>A TIFF file: the strips right after the header, then the IFD, then the entries' out-of-line values.</summary>
    public static byte[] Image(bool bigEndian, IReadOnlyList<byte[]> strips, Func<uint[], uint[], IEnumerable<Entry>> entries)
    {
        var data = new List<byte>();
        var offsets = new List<uint>();
        var counts = new List<uint>();
        foreach (byte[] strip in strips)
        {
            offsets.Add((uint)(8 + data.Count));
            counts.Add((uint)strip.Length);
            data.AddRange(strip);
        }

        if (data.Count % 2 == 1)
        {
            data.Add(0);
        }

        byte[] header = new byte[8];
        (header[0], header[1]) = bigEndian ? ((byte)'M', (byte)'M') : ((byte)'I', (byte)'I');
        Mutator.WriteUInt16(header, 2, 42, bigEndian);
        Mutator.WriteUInt32(header, 4, (uint)(8 + data.Count), bigEndian);
        return [.. header, .. data, .. Ifd(bigEndian, 8 + data.Count, [.. entries([.. offsets], [.. counts])], 0)];
    }

    /// <summary>An EXIF block as it follows "Exif\0\0" in a JPEG APP1 segment (or fills a PNG eXIf chunk).</summary>
    public static byte[] Exif(bool bigEndian, int orientation, string dateTimeOriginal)
    {
        byte[] header = new byte[8];
        (header[0], header[1]) = bigEndian ? ((byte)'M', (byte)'M') : ((byte)'I', (byte)'I');
        Mutator.WriteUInt16(header, 2, 42, bigEndian);
        Mutator.WriteUInt32(header, 4, 8, bigEndian);
        // IFD0: orientation, a software string (an out-of-line value), the EXIF IFD pointer; the EXIF IFD follows it.
        Entry[] ifd0Entries =
        [
            new(0x0112, 3, [(uint)orientation]),
            new(0x0131, 2, Ascii("ClipSharp fuzz")),
            new(0x8769, 4, [0]),
        ];
        int ifd0Length = Ifd(bigEndian, 8, ifd0Entries, 0).Length;
        ifd0Entries[2] = new Entry(0x8769, 4, [(uint)(8 + ifd0Length)]);
        byte[] ifd0 = Ifd(bigEndian, 8, ifd0Entries, 0);
        byte[] exifIfd = Ifd(bigEndian, 8 + ifd0.Length, [new(0x9003, 2, Ascii(dateTimeOriginal))], 0);
        return [.. header, .. ifd0, .. exifIfd];
    }

    /// <summary>PackBits: literal runs of up to 128 bytes, and a repeat run wherever 3+ equal bytes follow.</summary>
    public static byte[] PackBits(byte[] raw)
    {
        var o = new List<byte>();
        int i = 0;
        while (i < raw.Length)
        {
            int run = 1;
            while (i + run < raw.Length && run < 128 && raw[i + run] == raw[i])
            {
                run++;
            }

            if (run >= 3)
            {
                o.Add((byte)(sbyte)(1 - run));
                o.Add(raw[i]);
                i += run;
                continue;
            }

            int n = Math.Min(128, raw.Length - i);
            o.Add((byte)(n - 1));
            o.AddRange(raw.AsSpan(i, n));
            i += n;
        }

        return [.. o];
    }

    /// <summary>TIFF LZW with literal codes only (a Clear every 250 codes keeps them 9 bits wide): valid, if not small.</summary>
    public static byte[] Lzw(byte[] raw)
    {
        var bits = new List<bool>();
        void Code(int c)
        {
            for (int b = 8; b >= 0; b--)
            {
                bits.Add(((c >> b) & 1) == 1);
            }
        }

        Code(256);
        for (int i = 0; i < raw.Length; i++)
        {
            if (i > 0 && i % 250 == 0)
            {
                Code(256);
            }

            Code(raw[i]);
        }

        Code(257);
        byte[] o = new byte[(bits.Count + 7) / 8];
        for (int i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                o[i >> 3] |= (byte)(0x80 >> (i & 7));
            }
        }

        return o;
    }

    private static uint[] Ascii(string s) => [.. Encoding.ASCII.GetBytes(s + "\0").Select(b => (uint)b)];

    /// <summary>An IFD at <paramref name="at"/>: count, entries, next-IFD offset, then the values that do not fit in 4 bytes.</summary>
    private static byte[] Ifd(bool bigEndian, int at, IReadOnlyList<Entry> entries, uint next)
    {
        int fixedLength = 2 + (entries.Count * 12) + 4;
        var overflow = new List<byte>();
        byte[] ifd = new byte[fixedLength];
        Mutator.WriteUInt16(ifd, 0, (ushort)entries.Count, bigEndian);
        for (int i = 0; i < entries.Count; i++)
        {
            Entry e = entries[i];
            int p = 2 + (i * 12);
            int size = e.Type switch { 1 or 2 => 1, 3 => 2, _ => 4 };
            byte[] value = new byte[e.Values.Length * size];
            for (int k = 0; k < e.Values.Length; k++)
            {
                switch (size)
                {
                    case 1: value[k] = (byte)e.Values[k]; break;
                    case 2: Mutator.WriteUInt16(value, k * 2, (ushort)e.Values[k], bigEndian); break;
                    default: Mutator.WriteUInt32(value, k * 4, e.Values[k], bigEndian); break;
                }
            }

            Mutator.WriteUInt16(ifd, p, e.Tag, bigEndian);
            Mutator.WriteUInt16(ifd, p + 2, e.Type, bigEndian);
            Mutator.WriteUInt32(ifd, p + 4, (uint)e.Values.Length, bigEndian);
            if (value.Length <= 4)
            {
                value.CopyTo(ifd, p + 8);
            }
            else
            {
                Mutator.WriteUInt32(ifd, p + 8, (uint)(at + fixedLength + overflow.Count), bigEndian);
                overflow.AddRange(value);
                if (overflow.Count % 2 == 1)
                {
                    overflow.Add(0);
                }
            }
        }

        Mutator.WriteUInt32(ifd, fixedLength - 4, next, bigEndian);
        return [.. ifd, .. overflow];
    }
}
