using System.Text.Json;

namespace ClipSharp.Text.Models;

/// <summary>
/// <c>WordPiece</c>: greedy longest-match-first from the start of the piece, continuations looked up with
/// <c>continuing_subword_prefix</c> ("##"); a piece with an unmatched rest, or longer than
/// <c>max_input_chars_per_word</c> characters, is one unknown token.
/// </summary>
internal sealed class WordPieceModel : TokenizerModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string?[] _tokens;
    private readonly int _unkId;
    private readonly string _prefix;
    private readonly int _maxChars;

    private WordPieceModel(Dictionary<string, int> vocab, int unkId, string prefix, int maxChars)
    {
        _vocab = vocab;
        _lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _tokens = Reverse(vocab);
        _unkId = unkId;
        _prefix = prefix;
        _maxChars = maxChars;
    }

    public override int VocabularySize => _tokens.Length;

    public static WordPieceModel FromNode(TokenizerJsonNode node)
    {
        Dictionary<string, int> vocab = ReadVocab(node);
        string unk = node.OptionalString("unk_token") ?? "[UNK]";
        if (!vocab.TryGetValue(unk, out int unkId))
        {
            throw node.Error($"unk_token {JsonSerializer.Serialize(unk)} is not in the vocabulary");
        }

        return new WordPieceModel(vocab, unkId, node.OptionalString("continuing_subword_prefix") ?? "##",
            node.OptionalInt("max_input_chars_per_word") ?? 100);
    }

    public override int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public override string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public override void Encode(string piece, List<int> ids)
    {
        int chars = 0;
        foreach (System.Text.Rune _ in piece.EnumerateRunes())
        {
            chars++;
        }

        if (chars > _maxChars)
        {
            ids.Add(_unkId);
            return;
        }

        int first = ids.Count;
        char[] buffer = new char[_prefix.Length + piece.Length];
        _prefix.CopyTo(buffer);
        for (int start = 0; start < piece.Length;)
        {
            int end = piece.Length;
            int found = -1;
            while (start < end)
            {
                ReadOnlySpan<char> sub;
                if (start > 0)
                {
                    piece.AsSpan(start, end - start).CopyTo(buffer.AsSpan(_prefix.Length));
                    sub = buffer.AsSpan(0, _prefix.Length + end - start);
                }
                else
                {
                    sub = piece.AsSpan(0, end);
                }

                if (_lookup.TryGetValue(sub, out found))
                {
                    break;
                }

                found = -1;
                end -= end >= 2 && char.IsLowSurrogate(piece[end - 1]) && char.IsHighSurrogate(piece[end - 2]) ? 2 : 1;
            }

            if (found < 0)
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(_unkId);
                return;
            }

            ids.Add(found);
            start = end;
        }
    }
}
