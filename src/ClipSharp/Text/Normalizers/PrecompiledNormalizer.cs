using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ClipSharp.Text.Normalizers;

/// <summary>
/// <c>Precompiled</c>: SentencePiece's compiled normalization rules (<c>precompiled_charsmap</c>), applied as the
/// Rust library applies them.
/// </summary>
/// <remarks>
/// The blob is a little-endian uint32 byte size of a Darts double-array trie, the trie's uint32 units, then the
/// replacement strings, each ending with NUL. Keys are UTF-8 byte strings; a leaf's value is the offset of its
/// replacement. The Rust library walks the text by extended grapheme clusters: a cluster shorter than 6 UTF-8 bytes
/// whose bytes begin with a key (the shortest one) is replaced whole; otherwise each of its characters is looked up
/// on its own (again the shortest key that begins its bytes) and kept when none does. SentencePiece itself takes
/// the longest key at each byte instead; the two agree on real charsmaps except in rare clusters, and the tests
/// measure where.
/// </remarks>
internal sealed class PrecompiledNormalizer : Normalizer
{
    private readonly uint[] _units;
    private readonly byte[] _normalized;

    private PrecompiledNormalizer(uint[] units, byte[] normalized)
    {
        _units = units;
        _normalized = normalized;
    }

    public static PrecompiledNormalizer FromBase64(TokenizerJsonNode node)
    {
        string b64 = node.String("precompiled_charsmap");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            throw node.Error("precompiled_charsmap is not base64");
        }

        return FromBlob(blob) ?? throw node.Error("precompiled_charsmap is malformed (trie size does not fit the blob)");
    }

    /// <summary>The normalizer of a charsmap blob, or null when the blob is malformed.</summary>
    public static PrecompiledNormalizer? FromBlob(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            return null;
        }

        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize % 4 != 0 || trieSize == 0 || trieSize > (uint)(blob.Length - 4))
        {
            return null;
        }

        var units = new uint[trieSize / 4];
        for (int i = 0; i < units.Length; i++)
        {
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + (4 * i))..]);
        }

        return new PrecompiledNormalizer(units, blob[(4 + (int)trieSize)..].ToArray());
    }

    public override string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        Span<byte> utf8 = stackalloc byte[64];
        ReadOnlySpan<char> rest = text;
        while (!rest.IsEmpty)
        {
            int len = StringInfo.GetNextTextElementLength(rest);
            ReadOnlySpan<char> cluster = rest[..len];
            rest = rest[len..];
            int byteCount = Encoding.UTF8.GetByteCount(cluster);
            if (byteCount < 6)
            {
                Encoding.UTF8.GetBytes(cluster, utf8);
                if (Lookup(utf8[..byteCount]) is int value)
                {
                    AppendReplacement(sb, value);
                    continue;
                }
            }

            for (int i = 0; i < cluster.Length;)
            {
                int n = char.IsHighSurrogate(cluster[i]) && i + 1 < cluster.Length && char.IsLowSurrogate(cluster[i + 1]) ? 2 : 1;
                int b = Encoding.UTF8.GetBytes(cluster.Slice(i, n), utf8);
                if (Lookup(utf8[..b]) is int v)
                {
                    AppendReplacement(sb, v);
                }
                else
                {
                    sb.Append(cluster.Slice(i, n));
                }

                i += n;
            }
        }

        return sb.ToString();
    }

    /// <summary>The value of the shortest key that <paramref name="key"/> begins with (Darts' first prefix match), if any.</summary>
    private int? Lookup(ReadOnlySpan<byte> key)
    {
        uint[] a = _units;
        uint nodePos = Offset(a[0]);
        foreach (byte c in key)
        {
            if (c == 0)
            {
                break;
            }

            nodePos ^= c;
            if (nodePos >= (uint)a.Length)
            {
                return null;
            }

            uint unit = a[nodePos];
            if ((unit & ((1u << 31) | 0xFF)) != c)
            {
                return null;
            }

            nodePos ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                return nodePos < (uint)a.Length ? (int)(a[nodePos] & ((1u << 31) - 1)) : null;
            }
        }

        return null;
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    private void AppendReplacement(StringBuilder sb, int offset)
    {
        if ((uint)offset >= (uint)_normalized.Length)
        {
            return;
        }

        ReadOnlySpan<byte> tail = _normalized.AsSpan(offset);
        int end = tail.IndexOf((byte)0);
        sb.Append(Encoding.UTF8.GetString(end < 0 ? tail : tail[..end]));
    }
}
