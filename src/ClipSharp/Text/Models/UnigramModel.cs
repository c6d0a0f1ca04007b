using System.Text.Json;

namespace ClipSharp.Text.Models;

/// <summary>
/// <c>Unigram</c>, as the Rust library encodes a piece (SentencePiece's optimized Viterbi): the best-scoring
/// segmentation into vocabulary entries, a character no entry starts with scoring the lowest score minus 10 as
/// unknown, runs of unknowns fused into one, unknowns written as <c>&lt;0xXX&gt;</c> byte tokens with
/// <c>byte_fallback</c>. Ties keep the first segmentation found, as SentencePiece does.
/// </summary>
internal sealed class UnigramModel : TokenizerModel
{
    private const double UnknownPenalty = 10.0;

    private readonly string[] _pieces;
    private readonly double[] _scores;
    private readonly Dictionary<string, int> _ids;
    private readonly int? _unkId;
    private readonly bool _byteFallback;
    private readonly double _unkScore;

    private readonly CharTrie<int> _trie = new();

    private UnigramModel(string[] pieces, double[] scores, int? unkId, bool byteFallback)
    {
        _pieces = pieces;
        _scores = scores;
        _unkId = unkId;
        _byteFallback = byteFallback;
        _ids = new Dictionary<string, int>(pieces.Length, StringComparer.Ordinal);
        double min = double.PositiveInfinity;
        for (int i = 0; i < pieces.Length; i++)
        {
            _ids[pieces[i]] = i; // a repeated piece keeps its last id, as the Rust library's map does
            min = Math.Min(min, scores[i]);
        }

        _unkScore = min - UnknownPenalty;
        foreach ((string piece, int id) in _ids)
        {
            _trie.Add(piece, id);
        }
    }

    public override int VocabularySize => _pieces.Length;

    public static UnigramModel FromNode(TokenizerJsonNode node)
    {
        var pieces = new List<string>();
        var scores = new List<double>();
        foreach (JsonElement e in node.Array("vocab"))
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2 || e[0].ValueKind != JsonValueKind.String || e[1].ValueKind != JsonValueKind.Number)
            {
                throw node.Error($"vocab entry {pieces.Count} is not [\"piece\", score]");
            }

            pieces.Add(e[0].GetString()!);
            scores.Add(e[1].GetDouble());
        }

        if (pieces.Count == 0)
        {
            throw node.Error("the Unigram vocabulary is empty");
        }

        int? unkId = node.OptionalInt("unk_id");
        if (unkId >= pieces.Count)
        {
            throw node.Error($"unk_id {unkId} is outside the vocabulary (0..{pieces.Count - 1})");
        }

        return new UnigramModel([.. pieces], [.. scores], unkId, node.Bool("byte_fallback", false));
    }

    public override int? TokenToId(string token) => _ids.TryGetValue(token, out int id) ? id : null;

    public override string? IdToToken(int id) => (uint)id < (uint)_pieces.Length ? _pieces[id] : null;

    public override void Encode(string piece, List<int> ids)
    {
        int size = piece.Length;
        // best[k]: the best path over piece[..k] — its score, where its last token starts (-1: none yet) and its id.
        var score = new double[size + 1];
        var startsAt = new int[size + 1];
        var tokenId = new int[size + 1];
        Array.Fill(startsAt, -1);
        for (int start = 0; start < size;)
        {
            double till = score[start];
            int charLen = char.IsHighSurrogate(piece[start]) && start + 1 < size && char.IsLowSurrogate(piece[start + 1]) ? 2 : 1;
            bool hasSingle = false;
            int node = CharTrie<int>.Root;
            for (int k = start; k < size; k++)
            {
                if (!_trie.Step(ref node, piece[k]))
                {
                    break;
                }

                if (!_trie.TryGetValue(node, out int id))
                {
                    continue;
                }

                int end = k + 1;
                double candidate = _scores[id] + till;
                if (startsAt[end] < 0 || candidate > score[end])
                {
                    score[end] = candidate;
                    startsAt[end] = start;
                    tokenId[end] = id;
                }

                hasSingle |= end - start == charLen;
            }

            if (!hasSingle)
            {
                int end = start + charLen;
                double candidate = _unkScore + till;
                if (startsAt[end] < 0 || candidate > score[end])
                {
                    score[end] = candidate;
                    startsAt[end] = start;
                    tokenId[end] = _unkId ?? throw new ClipSharpException(ClipErrorKind.InvalidInput,
                        "the text has a character the Unigram vocabulary lacks, and the tokenizer has no unk_id");
                }
            }

            start += charLen;
        }

        // Back from the end; adjacent unknowns are fused into one piece.
        var pieces = new List<(int Start, int End, bool Unknown)>();
        for (int end = size; end > 0;)
        {
            int start = startsAt[end];
            bool unknown = _unkId is int u && tokenId[end] == u;
            if (unknown && pieces.Count > 0 && pieces[^1].Unknown)
            {
                pieces[^1] = (start, pieces[^1].End, true);
            }
            else
            {
                pieces.Add((start, end, unknown));
            }

            end = start;
        }

        for (int i = pieces.Count - 1; i >= 0; i--)
        {
            string text = piece[pieces[i].Start..pieces[i].End];
            if (_ids.TryGetValue(text, out int id))
            {
                ids.Add(id);
            }
            else if (!(_byteFallback && TryAddBytes(text, ids)))
            {
                ids.Add(_unkId ?? throw new ClipSharpException(ClipErrorKind.InvalidInput,
                    "the text has a character the Unigram vocabulary lacks, and the tokenizer has no unk_id"));
            }
        }
    }

    private bool TryAddBytes(string text, List<int> ids)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        var byteIds = new int[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            if (!_ids.TryGetValue($"<0x{utf8[i]:X2}>", out byteIds[i]))
            {
                return false;
            }
        }

        ids.AddRange(byteIds);
        return true;
    }
}
