using System.Buffers.Binary;
using System.Text;

namespace ClipSharp.Text.SentencePiece;

/// <summary>
/// SentencePiece's compiled normalization rules (<c>precompiled_charsmap</c>): a little-endian uint32 byte size of
/// a Darts double-array trie, the trie's uint32 units, then the replacement strings, each ending with NUL. Keys are
/// UTF-8 byte strings; a leaf's value is the offset of its replacement.
/// </summary>
internal sealed class DartsCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _normalized;

    private DartsCharsMap(uint[] units, byte[] normalized)
    {
        _units = units;
        _normalized = normalized;
    }

    /// <summary>The charsmap of a blob, or null when the blob is malformed.</summary>
    public static DartsCharsMap? Parse(ReadOnlySpan<byte> blob)
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

        return new DartsCharsMap(units, blob[(4 + (int)trieSize)..].ToArray());
    }

    /// <summary>
    /// The keys that begin <paramref name="key"/>, shortest first, as (length in bytes, replacement offset) — Darts'
    /// <c>commonPrefixSearch</c>, stopping at a NUL byte. With <paramref name="firstOnly"/> only the shortest.
    /// </summary>
    public void PrefixMatches(ReadOnlySpan<byte> key, List<(int Length, int Value)> results, bool firstOnly = false)
    {
        results.Clear();
        uint[] a = _units;
        uint nodePos = Offset(a[0]);
        for (int i = 0; i < key.Length; i++)
        {
            byte c = key[i];
            if (c == 0)
            {
                break;
            }

            nodePos ^= c;
            if (nodePos >= (uint)a.Length)
            {
                return;
            }

            uint unit = a[nodePos];
            if ((unit & ((1u << 31) | 0xFF)) != c)
            {
                return;
            }

            nodePos ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                if (nodePos >= (uint)a.Length)
                {
                    return;
                }

                results.Add((i + 1, (int)(a[nodePos] & ((1u << 31) - 1))));
                if (firstOnly)
                {
                    return;
                }
            }
        }
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    /// <summary>The replacement at <paramref name="offset"/>, as UTF-8 bytes (up to its NUL).</summary>
    public ReadOnlySpan<byte> Replacement(int offset)
    {
        if ((uint)offset >= (uint)_normalized.Length)
        {
            return [];
        }

        ReadOnlySpan<byte> tail = _normalized.AsSpan(offset);
        int end = tail.IndexOf((byte)0);
        return end < 0 ? tail : tail[..end];
    }

    public string ReplacementString(int offset) => Encoding.UTF8.GetString(Replacement(offset));
}
