using System.Buffers.Binary;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// Mutates TIFF-structured data (TIFF files and EXIF blocks) while keeping the IFD structure: it finds the entries of
/// IFD0, of the next IFD and of the EXIF IFD, and changes one entry's tag, type, count or value/offset, an IFD's entry
/// count, or the bytes an entry points at. Values come from <see cref="Mutator.Interesting32"/> and from small numbers,
/// so both the limits and the near-valid branches are reached. <paramref name="start"/> is where the TIFF header is
/// (after "Exif\0\0" in an APP1 payload, for instance).
/// </summary>
internal static class TiffMutator
{
    /// <summary>Tags that the decoders read, so a retagged entry lands on a code path.</summary>
    private static readonly ushort[] s_tags = [256, 257, 258, 259, 262, 273, 274, 277, 278, 279, 284, 317, 320, 322, 338, 0x0112, 0x8769, 0x9003];

    public static byte[] Mutate(Random rng, byte[] input, int start = 0)
    {
        byte[] d = (byte[])input.Clone();
        List<int> entries = FindEntries(d, start, out List<int> ifds, out bool big);
        if (entries.Count == 0 || rng.Next(10) == 0)
        {
            return Mutator.Mutate(rng, d);
        }

        int e = entries[rng.Next(entries.Count)];
        switch (rng.Next(9))
        {
            case 0:
                Mutator.WriteUInt16(d, e, s_tags[rng.Next(s_tags.Length)], big);
                break;
            case 1:
                Mutator.WriteUInt16(d, e + 2, (ushort)rng.Next(14), big);
                break;
            case 2:
                Mutator.WriteUInt32(d, e + 4, Mutator.Interesting32(rng), big);
                break;
            case 3:
                Mutator.WriteUInt32(d, e + 4, (uint)rng.Next(1024), big);
                break;
            case 4:
                Mutator.WriteUInt32(d, e + 8, Mutator.Interesting32(rng), big);
                break;
            case 5: // a small value in the first SHORT of the value field (sizes, bit depths, compression, photometric)
                Mutator.WriteUInt16(d, e + 8, (ushort)(rng.Next(3) == 0 ? Mutator.Interesting16(rng) : rng.Next(10)), big);
                break;
            case 6: // an IFD's entry count
                Mutator.WriteUInt16(d, ifds[rng.Next(ifds.Count)], rng.Next(2) == 0 ? Mutator.Interesting16(rng) : (ushort)rng.Next(64), big);
                break;
            case 7: // the bytes an out-of-line value points at (strip tables, colour maps, strings)
                {
                    uint at = Read32(d, e + 8, big) + (uint)start;
                    if (at < d.Length)
                    {
                        int len = Math.Min(d.Length - (int)at, 16);
                        byte[] slice = Mutator.Mutate(rng, d[(int)at..((int)at + len)]);
                        slice.AsSpan(0, Math.Min(slice.Length, len)).CopyTo(d.AsSpan((int)at));
                    }

                    break;
                }

            default: // the header's IFD offset
                Mutator.WriteUInt32(d, start + 4, rng.Next(2) == 0 ? Mutator.Interesting32(rng) : (uint)rng.Next(d.Length - start + 8), big);
                break;
        }

        return rng.Next(4) == 0 ? Mutator.MutateOnce(rng, d) : d;
    }

    /// <summary>Offsets of the 12-byte entries of IFD0, the IFDs chained after it and the EXIF IFD; empty when the header is broken.</summary>
    public static List<int> FindEntries(byte[] d, int start, out List<int> ifds, out bool big)
    {
        var entries = new List<int>();
        ifds = [];
        big = false;
        if (d.Length < start + 8 || !(d[start] == 'I' && d[start + 1] == 'I' || d[start] == 'M' && d[start + 1] == 'M'))
        {
            return entries;
        }

        big = d[start] == 'M';
        var pending = new Queue<uint>([Read32(d, start + 4, big)]);
        var seen = new HashSet<uint>();
        while (pending.Count > 0 && seen.Count < 8)
        {
            uint off = pending.Dequeue();
            if (off < 8 || !seen.Add(off) || start + (long)off + 2 > d.Length)
            {
                continue;
            }

            int at = start + (int)off;
            ifds.Add(at);
            int n = big ? BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(at));
            for (int i = 0; i < n && at + 2 + ((i + 1) * 12) <= d.Length; i++)
            {
                int e = at + 2 + (i * 12);
                entries.Add(e);
                if ((big ? BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(e)) : BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(e))) == 0x8769)
                {
                    pending.Enqueue(Read32(d, e + 8, big));
                }
            }

            if (at + 2 + (n * 12) + 4 <= d.Length)
            {
                pending.Enqueue(Read32(d, at + 2 + (n * 12), big));
            }
        }

        return entries;
    }

    private static uint Read32(byte[] d, int at, bool big)
        => at + 4 > d.Length ? 0 : big ? BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(at));
}
