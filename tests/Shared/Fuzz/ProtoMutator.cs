using System.Runtime.CompilerServices;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// Mutates protobuf messages (ONNX models) at their varints: field tags (another wire type or field number), lengths of
/// length-delimited fields (off by a few, zero, beyond the end, 2^63) and scalar values (data types, dims, opsets,
/// attribute ints), re-encoded in the same number of bytes where possible so the rest of the structure stays parseable.
/// Sub-messages are found by trying to parse each length-delimited payload; large payloads that do not parse (weights)
/// are left alone, so mutations land on the graph structure rather than on weight bytes.
/// </summary>
internal static class ProtoMutator
{
    internal enum SiteKind
    {
        Tag,
        Length,
        Value,
    }

    /// <summary>A varint in the message tree: where it is, how many bytes it takes, and what it encodes.</summary>
    internal readonly record struct Site(int At, int Bytes, SiteKind Kind, ulong Value);

    private static readonly ConditionalWeakTable<byte[], List<Site>> s_sites = [];

    private static readonly ulong[] s_values = [0, 1, 2, 3, 6, 7, 8, 11, 13, 16, 64, 65, 127, 128, 255, 4096, 65536, int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue, long.MaxValue, ulong.MaxValue];

    public static byte[] Mutate(Random rng, byte[] input)
    {
        List<Site> sites = s_sites.GetValue(input, Sites);
        if (sites.Count == 0 || rng.Next(10) == 0)
        {
            return Mutator.Mutate(rng, input);
        }

        Site s = sites[rng.Next(sites.Count)];
        ulong value = s.Kind switch
        {
            SiteKind.Tag => rng.Next(3) switch
            {
                0 => (s.Value & ~7UL) | (uint)rng.Next(8), // another wire type
                1 => ((ulong)(uint)rng.Next(0, 20) << 3) | (s.Value & 7), // another field number
                _ => s_values[rng.Next(s_values.Length)],
            },
            SiteKind.Length => rng.Next(2) == 0 ? (ulong)Math.Max(0, (long)s.Value + rng.Next(-3, 4)) : s_values[rng.Next(s_values.Length)],
            _ => rng.Next(2) == 0 ? (ulong)rng.Next(0, 20) : s_values[rng.Next(s_values.Length)],
        };
        byte[] encoded = Encode(value, s.Bytes);
        byte[] result = [.. input.AsSpan(0, s.At), .. encoded, .. input.AsSpan(s.At + s.Bytes)];
        return rng.Next(8) == 0 ? result[..Math.Min(result.Length, s.At + rng.Next(64))] : result;
    }

    /// <summary>The varint sites of a whole file parsed as one message.</summary>
    public static List<Site> Sites(byte[] data)
    {
        var sites = new List<Site>();
        Walk(data, 0, data.Length, 0, sites);
        return sites;
    }

    /// <summary>Adds the sites of the message in [start, end) and returns true, or returns false (adding nothing) when it does not parse.</summary>
    private static bool Walk(byte[] d, int start, int end, int depth, List<Site> sites)
    {
        var local = new List<Site>();
        int pos = start;
        while (pos < end)
        {
            if (!ReadVarint(d, ref pos, end, out ulong tag, out int tagBytes) || tag >> 3 == 0)
            {
                return false;
            }

            local.Add(new Site(pos - tagBytes, tagBytes, SiteKind.Tag, tag));
            switch (tag & 7)
            {
                case 0:
                    if (!ReadVarint(d, ref pos, end, out ulong v, out int n))
                    {
                        return false;
                    }

                    local.Add(new Site(pos - n, n, SiteKind.Value, v));
                    break;
                case 1:
                    pos += 8;
                    break;
                case 5:
                    pos += 4;
                    break;
                case 2:
                    {
                        if (!ReadVarint(d, ref pos, end, out ulong len, out int lenBytes) || len > (ulong)(end - pos))
                        {
                            return false;
                        }

                        local.Add(new Site(pos - lenBytes, lenBytes, SiteKind.Length, len));
                        if (depth < 8 && len > 0)
                        {
                            Walk(d, pos, pos + (int)len, depth + 1, local);
                        }

                        pos += (int)len;
                        break;
                    }

                default:
                    return false;
            }
        }

        if (pos != end)
        {
            return false;
        }

        sites.AddRange(local);
        return true;
    }

    private static bool ReadVarint(byte[] d, ref int pos, int end, out ulong value, out int bytes)
    {
        value = 0;
        bytes = 0;
        for (int shift = 0; shift < 64 && pos < end; shift += 7)
        {
            byte b = d[pos++];
            bytes++;
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The varint of <paramref name="value"/>, padded to <paramref name="bytes"/> bytes (overlong form) when it is shorter.</summary>
    private static byte[] Encode(ulong value, int bytes)
    {
        var o = new List<byte>();
        do
        {
            o.Add((byte)(value & 0x7F));
            value >>= 7;
        }
        while (value != 0);

        while (o.Count < bytes)
        {
            o.Add(0);
        }

        for (int i = 0; i < o.Count - 1; i++)
        {
            o[i] |= 0x80;
        }

        return [.. o];
    }
}
