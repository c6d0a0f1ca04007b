using System.Text.Json;

namespace ClipSharp.Text.Models;

/// <summary>
/// The <c>model</c> of a <c>tokenizer.json</c>: turns one pre-tokenized piece into ids. Immutable and thread-safe.
/// </summary>
internal abstract class TokenizerModel
{
    /// <summary>Appends the ids of <paramref name="piece"/> (never empty) to <paramref name="ids"/>.</summary>
    public abstract void Encode(string piece, List<int> ids);

    /// <summary>The id of a vocabulary entry, or null.</summary>
    public abstract int? TokenToId(string token);

    /// <summary>The entry of an id, or null.</summary>
    public abstract string? IdToToken(int id);

    /// <summary>One more than the largest id of the vocabulary.</summary>
    public abstract int VocabularySize { get; }

    /// <summary>Builds the model a <c>tokenizer.json</c> object describes.</summary>
    /// <exception cref="ClipSharpException">The type is unknown or a field is malformed; the message names both and the file.</exception>
    public static TokenizerModel Create(TokenizerJsonNode node)
    {
        // Old files leave "type" out; the Rust library then tells the models apart by their fields.
        string type = node.OptionalString("type") ?? (node.TryGet("vocab", out JsonElement v) && v.ValueKind == JsonValueKind.Array ? "Unigram"
            : node.Has("merges") ? "BPE" : node.Has("continuing_subword_prefix") ? "WordPiece" : "WordLevel");
        return type switch
        {
            "BPE" => BpeModel.FromNode(node),
            "Unigram" => UnigramModel.FromNode(node),
            "WordPiece" => WordPieceModel.FromNode(node),
            _ => throw node.Error($"unsupported model \"{type}\""),
        };
    }

    /// <summary>A <c>{"token": id, …}</c> vocabulary.</summary>
    protected static Dictionary<string, int> ReadVocab(TokenizerJsonNode node)
    {
        if (!node.TryGet("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw node.Error("\"vocab\" must be an object of token → id");
        }

        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in vocab.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
            {
                throw node.Error($"vocab entry {JsonSerializer.Serialize(p.Name)} has no valid id");
            }

            result[p.Name] = id;
        }

        return result;
    }

    /// <summary>The reverse of a vocabulary, indexed by id (gaps are null).</summary>
    protected static string?[] Reverse(Dictionary<string, int> vocab)
    {
        int max = -1;
        foreach (int id in vocab.Values)
        {
            max = Math.Max(max, id);
        }

        var r = new string?[max + 1];
        foreach ((string token, int id) in vocab)
        {
            r[id] = token;
        }

        return r;
    }
}
