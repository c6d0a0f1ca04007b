using System.Buffers.Binary;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// The byte-level mutations every fuzz target shares: bit flips, "interesting" values written over 1, 2 or 4 bytes
/// in either byte order, truncation, insertion, deletion and duplication of ranges. Format-aware mutators (PNG chunks
/// re-CRC'd, TIFF entries, JPEG segment lengths, protobuf varints, npy headers) build on <see cref="Interesting32"/>
/// and fall back to <see cref="Mutate"/>. All randomness comes from the <see cref="Random"/> given, so a case is
/// reproduced by its seed alone.
/// </summary>
internal static class Mutator
{
    /// <summary>Values that break arithmetic: zero, one, sign and size boundaries, powers of two near limits.</summary>
    private static readonly uint[] s_interesting32 =
    [
        0, 1, 2, 3, 4, 7, 8, 12, 16, 31, 32, 64, 100, 127, 128, 255, 256, 512, 1000, 1024, 4096, 32767, 32768, 65535, 65536,
        100_000, 0x00FF_FFFF, 0x0100_0000, 0x3FFF_FFFF, 0x4000_0000, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001,
        0xFFFF_FFFE, 0xFFFF_FFFF,
    ];

    /// <summary>One interesting 32-bit value, or a random one (one time in four).</summary>
    public static uint Interesting32(Random rng)
        => rng.Next(4) == 0 ? (uint)rng.NextInt64(0, 1L << 32) : s_interesting32[rng.Next(s_interesting32.Length)];

    /// <summary>One interesting 16-bit value (the 32-bit ones cut to 16 bits, plus random ones).</summary>
    public static ushort Interesting16(Random rng) => (ushort)Interesting32(rng);

    /// <summary>Applies 1 to 4 generic mutations to a copy of <paramref name="input"/>.</summary>
    public static byte[] Mutate(Random rng, byte[] input)
    {
        byte[] data = input;
        int n = 1 + rng.Next(4);
        for (int i = 0; i < n; i++)
        {
            data = MutateOnce(rng, data);
        }

        return data;
    }

    /// <summary>One generic mutation on a copy of <paramref name="input"/>.</summary>
    public static byte[] MutateOnce(Random rng, byte[] input)
    {
        if (input.Length == 0)
        {
            return [(byte)rng.Next(256)];
        }

        byte[] d = (byte[])input.Clone();
        switch (rng.Next(9))
        {
            case 0: // flip one bit
                {
                    int at = rng.Next(d.Length);
                    d[at] ^= (byte)(1 << rng.Next(8));
                    return d;
                }

            case 1: // random byte
                d[rng.Next(d.Length)] = (byte)rng.Next(256);
                return d;
            case 2: // interesting byte
                d[rng.Next(d.Length)] = (byte)Interesting32(rng);
                return d;
            case 3 when d.Length >= 2:
                WriteUInt16(d, rng.Next(d.Length - 1), Interesting16(rng), rng.Next(2) == 0);
                return d;
            case 4 when d.Length >= 4:
                WriteUInt32(d, rng.Next(d.Length - 3), Interesting32(rng), rng.Next(2) == 0);
                return d;
            case 5: // truncate (often near the end, sometimes anywhere)
                return d[..(rng.Next(2) == 0 ? Math.Max(0, d.Length - 1 - rng.Next(Math.Min(d.Length, 64))) : rng.Next(d.Length))];
            case 6: // insert random bytes
                {
                    int at = rng.Next(d.Length + 1);
                    byte[] extra = new byte[1 + rng.Next(16)];
                    rng.NextBytes(extra);
                    return [.. d.AsSpan(0, at), .. extra, .. d.AsSpan(at)];
                }

            case 7: // delete a range
                {
                    int at = rng.Next(d.Length);
                    int len = 1 + rng.Next(Math.Min(64, d.Length - at));
                    return [.. d.AsSpan(0, at), .. d.AsSpan(at + len)];
                }

            default: // duplicate a range somewhere else
                {
                    int at = rng.Next(d.Length);
                    int len = 1 + rng.Next(Math.Min(64, d.Length - at));
                    int to = rng.Next(d.Length + 1);
                    return [.. d.AsSpan(0, to), .. d.AsSpan(at, len), .. d.AsSpan(to)];
                }
        }
    }

    public static void WriteUInt16(Span<byte> d, int at, ushort value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[at..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(d[at..], value);
        }
    }

    public static void WriteUInt32(Span<byte> d, int at, uint value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[at..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(d[at..], value);
        }
    }
}
