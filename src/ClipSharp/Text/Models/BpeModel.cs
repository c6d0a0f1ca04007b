using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Text.Models;

/// <summary>
/// <c>BPE</c>, exactly as the Rust library encodes a piece: characters (with <c>continuing_subword_prefix</c> on all
/// but the first and <c>end_of_word_suffix</c> on the last) looked up in the vocabulary, unknown ones as
/// <c>&lt;0xXX&gt;</c> byte tokens with <c>byte_fallback</c> or else as the unknown token (runs fused with
/// <c>fuse_unk</c>, dropped without an unknown token), then merges applied lowest rank first, leftmost first.
/// With <c>ignore_merges</c> a piece that is itself in the vocabulary is that one id. <c>dropout</c> is a training
/// regulariser and is not applied (ids are deterministic).
/// </summary>
internal sealed class BpeModel : TokenizerModel
{
    private const int MaxCachedPieceLength = 256;
    private const int MaxCacheEntries = 100_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly string?[] _tokens;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly int? _unkId;
    private readonly string? _continuingSubwordPrefix;
    private readonly string? _endOfWordSuffix;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly int[]? _byteIds;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private BpeModel(Dictionary<string, int> vocab, Dictionary<long, (int, int)> merges, int? unkId, string? prefix, string? suffix,
        bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        _vocab = vocab;
        _vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _tokens = Reverse(vocab);
        _merges = merges;
        _unkId = unkId;
        _continuingSubwordPrefix = prefix;
        _endOfWordSuffix = suffix;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        if (byteFallback)
        {
            // Byte fallback needs every byte of a character as a token; a byte without one gives -1 (then unknown).
            _byteIds = new int[256];
            for (int b = 0; b < 256; b++)
            {
                _byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
            }
        }
    }

    public override int VocabularySize => _tokens.Length;

    public static BpeModel FromNode(TokenizerJsonNode node)
    {
        Dictionary<string, int> vocab = ReadVocab(node);
        string? prefix = node.OptionalString("continuing_subword_prefix");
        int prefixLength = prefix?.Length ?? 0;
        var merges = new Dictionary<long, (int, int)>();
        int rank = 0;
        foreach (JsonElement m in node.Array("merges"))
        {
            (string a, string b) = m.ValueKind switch
            {
                JsonValueKind.String => SplitLegacy(node, m.GetString()!, rank),
                JsonValueKind.Array when m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String
                    => (m[0].GetString()!, m[1].GetString()!),
                _ => throw node.Error($"merge {rank + 1} is neither \"a b\" nor [\"a\", \"b\"]"),
            };
            if (!vocab.TryGetValue(a, out int aId) || !vocab.TryGetValue(b, out int bId) || b.Length < prefixLength
                || !vocab.TryGetValue(a + b[prefixLength..], out int newId))
            {
                throw node.Error($"merge {rank + 1} ({JsonSerializer.Serialize(a)} {JsonSerializer.Serialize(b)}) uses a token that is not in the vocabulary");
            }

            // A pair listed twice keeps its last rank, as the Rust library's map does.
            merges[Key(aId, bId)] = (rank, newId);
            rank++;
        }

        int? unkId = null;
        if (node.OptionalString("unk_token") is string unk)
        {
            unkId = vocab.TryGetValue(unk, out int u) ? u : throw node.Error($"unk_token {JsonSerializer.Serialize(unk)} is not in the vocabulary");
        }

        return new BpeModel(vocab, merges, unkId, prefix, node.OptionalString("end_of_word_suffix"),
            node.Bool("fuse_unk", false), node.Bool("byte_fallback", false), node.Bool("ignore_merges", false));
    }

    private static (string, string) SplitLegacy(TokenizerJsonNode node, string line, int rank)
    {
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || line.IndexOf(' ', space + 1) >= 0)
        {
            throw node.Error($"merge {rank + 1} {JsonSerializer.Serialize(line)} is not two tokens separated by one space");
        }

        return (line[..space], line[(space + 1)..]);
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    public override int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public override string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public override void Encode(string piece, List<int> ids)
    {
        if (piece.Length == 0)
        {
            return;
        }

        if (_ignoreMerges && _vocab.TryGetValue(piece, out int whole))
        {
            ids.Add(whole);
            return;
        }

        if (_cache.TryGetValue(piece, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }

        int[] result = Merge(piece);
        if (piece.Length <= MaxCachedPieceLength && _cache.Count < MaxCacheEntries)
        {
            _cache.TryAdd(piece, result);
        }

        ids.AddRange(result);
    }

    /// <summary>The initial symbols of a piece (Rust's <c>merge_word</c>), then the merges (Rust's <c>Word::merge_all</c>).</summary>
    private int[] Merge(string piece)
    {
        var symbols = new List<int>(piece.Length);
        int pendingUnk = -1; // an unknown run waiting to be written (fused runs are one)
        var sb = new StringBuilder();
        for (int i = 0; i < piece.Length;)
        {
            int n = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            bool first = i == 0;
            bool last = i + n == piece.Length;
            ReadOnlySpan<char> s = piece.AsSpan(i, n);
            if ((!first && _continuingSubwordPrefix is not null) || (last && _endOfWordSuffix is not null))
            {
                sb.Clear();
                if (!first && _continuingSubwordPrefix is not null)
                {
                    sb.Append(_continuingSubwordPrefix);
                }

                sb.Append(s);
                if (last && _endOfWordSuffix is not null)
                {
                    sb.Append(_endOfWordSuffix);
                }

                s = sb.ToString();
            }

            i += n;
            if (_vocabLookup.TryGetValue(s, out int id))
            {
                if (pendingUnk >= 0)
                {
                    symbols.Add(pendingUnk);
                    pendingUnk = -1;
                }

                symbols.Add(id);
                continue;
            }

            if (_byteIds is not null && TryAddBytes(s, symbols))
            {
                // As in the Rust library, a pending unknown is not written before the bytes (it comes later).
                continue;
            }

            if (_unkId is int unk)
            {
                if (pendingUnk >= 0 && !_fuseUnk)
                {
                    symbols.Add(pendingUnk);
                }

                pendingUnk = unk;
            }
        }

        if (pendingUnk >= 0)
        {
            symbols.Add(pendingUnk);
        }

        return ApplyMerges(symbols);
    }

    private bool TryAddBytes(ReadOnlySpan<char> s, List<int> symbols)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(s.Length)];
        int count = Encoding.UTF8.GetBytes(s, utf8);
        for (int k = 0; k < count; k++)
        {
            if (_byteIds![utf8[k]] < 0)
            {
                return false;
            }
        }

        for (int k = 0; k < count; k++)
        {
            symbols.Add(_byteIds![utf8[k]]);
        }

        return true;
    }

    private int[] ApplyMerges(List<int> initial)
    {
        int n = initial.Count;
        if (n < 2)
        {
            return [.. initial];
        }

        int[] id = [.. initial];
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }

        // Min-heap on (rank, position): the lowest rank first, the leftmost among equals.
        var queue = new PriorityQueue<(int Pos, int NewId), long>();
        for (int i = 0; i + 1 < n; i++)
        {
            if (_merges.TryGetValue(Key(id[i], id[i + 1]), out var m))
            {
                queue.Enqueue((i, m.NewId), ((long)m.Rank << 32) | (uint)i);
            }
        }

        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            if (!alive[pos] || next[pos] < 0)
            {
                continue;
            }

            int right = next[pos];
            // A stale entry: the pair at this position changed since it was queued.
            if (!_merges.TryGetValue(Key(id[pos], id[right]), out var current) || current.NewId != top.NewId)
            {
                continue;
            }

            id[pos] = top.NewId;
            alive[right] = false;
            next[pos] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = pos;
            }

            if (prev[pos] >= 0 && _merges.TryGetValue(Key(id[prev[pos]], id[pos]), out var left))
            {
                queue.Enqueue((prev[pos], left.NewId), ((long)left.Rank << 32) | (uint)prev[pos]);
            }

            if (next[pos] >= 0 && _merges.TryGetValue(Key(id[pos], id[next[pos]]), out var following))
            {
                queue.Enqueue((pos, following.NewId), ((long)following.Rank << 32) | (uint)pos);
            }
        }

        var result = new List<int>(n);
        for (int i = 0; i < n; i++)
        {
            if (alive[i])
            {
                result.Add(id[i]);
            }
        }

        return [.. result];
    }
}
