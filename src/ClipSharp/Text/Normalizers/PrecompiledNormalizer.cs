using System.Globalization;
using System.Text;
using ClipSharp.Text.SentencePiece;

namespace ClipSharp.Text.Normalizers;

/// <summary>
/// <c>Precompiled</c>: SentencePiece's compiled normalization rules (<c>precompiled_charsmap</c>), applied as the
/// Rust library applies them.
/// </summary>
/// <remarks>
/// The Rust library walks the text by extended grapheme clusters: a cluster shorter than 6 UTF-8 bytes whose bytes
/// begin with a key (the shortest one) is replaced whole; otherwise each of its characters is looked up on its own
/// (again the shortest key that begins its bytes) and kept when none does. SentencePiece itself takes the longest key
/// at each byte instead (see SentencePieceNormalizer); the two differ on some clusters, e.g. "A\u030A\u0301", which
/// the Rust library turns into "Å" and SentencePiece into "Ǻ". The tests measure where.
/// </remarks>
internal sealed class PrecompiledNormalizer(DartsCharsMap map) : Normalizer
{
    public static PrecompiledNormalizer FromBase64(TokenizerJsonNode node)
    {
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(node.String("precompiled_charsmap"));
        }
        catch (FormatException)
        {
            throw node.Error("precompiled_charsmap is not base64");
        }

        return new PrecompiledNormalizer(DartsCharsMap.Parse(blob) ?? throw node.Error("precompiled_charsmap is malformed (its trie size does not fit the blob)"));
    }

    public override string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        var matches = new List<(int Length, int Value)>(1);
        Span<byte> utf8 = stackalloc byte[8];
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
                map.PrefixMatches(utf8[..byteCount], matches, firstOnly: true);
                if (matches.Count > 0)
                {
                    sb.Append(map.ReplacementString(matches[0].Value));
                    continue;
                }
            }

            for (int i = 0; i < cluster.Length;)
            {
                int n = char.IsHighSurrogate(cluster[i]) && i + 1 < cluster.Length && char.IsLowSurrogate(cluster[i + 1]) ? 2 : 1;
                int b = Encoding.UTF8.GetBytes(cluster.Slice(i, n), utf8);
                map.PrefixMatches(utf8[..b], matches, firstOnly: true);
                if (matches.Count > 0)
                {
                    sb.Append(map.ReplacementString(matches[0].Value));
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
}
