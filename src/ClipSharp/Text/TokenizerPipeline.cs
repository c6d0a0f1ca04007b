using ClipSharp.Text.Models;
using ClipSharp.Text.Normalizers;
using ClipSharp.Text.PreTokenizers;

namespace ClipSharp.Text;

/// <summary>
/// A <c>tokenizer.json</c>'s path from text to ids, in the Rust library's order: added tokens matched in the raw
/// text, each remaining span normalized, added tokens matched in the normalized text, each remaining span
/// pre-tokenized, each piece encoded by the model.
/// </summary>
internal sealed class TokenizerPipeline(
    Normalizer? normalizer, PreTokenizerStep? preTokenizer, TokenizerModel model, IReadOnlyList<AddedToken> addedTokens) : ITokenIdEncoder
{
    private readonly AddedTokenMatcher _raw = new(addedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));

    // Normalized tokens are matched by their normalized content.
    private readonly AddedTokenMatcher _normalized = new(addedTokens.Where(t => t.Normalized)
        .Select(t => (normalizer?.Normalize(t.Content) ?? t.Content, t)));

    private readonly Dictionary<string, int> _addedIds = addedTokens.GroupBy(t => t.Content, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last().Id, StringComparer.Ordinal);

    private readonly Dictionary<int, string> _addedContents = addedTokens.GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.Last().Content);

    public int VocabularySize => Math.Max(model.VocabularySize, _addedContents.Count == 0 ? 0 : _addedContents.Keys.Max() + 1);

    public int? TokenToId(string token) => _addedIds.TryGetValue(token, out int id) ? id : model.TokenToId(token);

    public string? IdToToken(int id) => _addedContents.TryGetValue(id, out string? t) ? t : model.IdToToken(id);

    public List<int> Encode(string text, bool parseSpecial)
    {
        var ids = new List<int>();
        foreach ((int start, int end, AddedToken? token) in _raw.Split(text, parseSpecial))
        {
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }

            string section = text[start..end];
            string normalized = normalizer?.Normalize(section) ?? section;
            foreach ((int s, int e, AddedToken? t) in _normalized.Split(normalized, parseSpecial))
            {
                if (t is not null)
                {
                    ids.Add(t.Id);
                    continue;
                }

                var piece = new PreToken(normalized[s..e], start == 0 && s == 0);
                if (piece.Text.Length == 0)
                {
                    continue;
                }

                List<PreToken> pieces = preTokenizer?.Apply([piece]) ?? [piece];
                foreach (PreToken p in pieces)
                {
                    model.Encode(p.Text, ids);
                }
            }
        }

        return ids;
    }
}
