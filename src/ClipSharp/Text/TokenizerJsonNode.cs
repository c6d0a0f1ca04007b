using System.Text.Json;

namespace ClipSharp.Text;

/// <summary>
/// One object of a <c>tokenizer.json</c> file with typed accessors whose errors name the file and the
/// component: every malformed or unsupported value becomes a <see cref="ClipSharpException"/> of kind
/// <see cref="ClipErrorKind.InvalidTokenizer"/> with the file as its input.
/// </summary>
internal readonly struct TokenizerJsonNode
{
    public TokenizerJsonNode(JsonElement element, string file, string where)
    {
        Element = element;
        File = file;
        Where = where;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"expected a JSON object, found {element.ValueKind}");
        }
    }

    public JsonElement Element { get; }

    /// <summary>The tokenizer file, for error messages.</summary>
    public string File { get; }

    /// <summary>Where this object sits, e.g. "normalizer" or "pre_tokenizer.pretokenizers[1]".</summary>
    public string Where { get; }

    /// <summary>The "type" field; components without one are malformed.</summary>
    public string Type => OptionalString("type") ?? throw Error("has no \"type\"");

    public ClipSharpException Error(string message) => new(ClipErrorKind.InvalidTokenizer, $"{Where}: {message}", File);

    /// <summary>The error for a component this engine does not implement, naming its type and place.</summary>
    public ClipSharpException Unsupported(string what) => Error($"unsupported {what} \"{Type}\"");

    public bool Has(string name) => Element.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null;

    public bool TryGet(string name, out JsonElement value)
        => Element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public string String(string name) => OptionalString(name) ?? throw Error($"has no \"{name}\" string");

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Error($"\"{name}\" must be a string");
    }

    public bool Bool(string name, bool defaultValue)
    {
        if (!TryGet(name, out JsonElement v))
        {
            return defaultValue;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"\"{name}\" must be true or false"),
        };
    }

    public bool? OptionalBool(string name) => Has(name) ? Bool(name, false) : null;

    public int Int(string name) => OptionalInt(name) ?? throw Error($"has no \"{name}\" number");

    public int? OptionalInt(string name)
    {
        if (!TryGet(name, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i >= 0
            ? i
            : throw Error($"\"{name}\" must be a non-negative integer");
    }

    public TokenizerJsonNode Object(string name)
        => TryObject(name, out TokenizerJsonNode node) ? node : throw Error($"has no \"{name}\" object");

    public bool TryObject(string name, out TokenizerJsonNode node)
    {
        if (!TryGet(name, out JsonElement v))
        {
            node = default;
            return false;
        }

        node = new TokenizerJsonNode(v, File, $"{Where}.{name}");
        return true;
    }

    /// <summary>The elements of an array field (an absent or null field is an empty array).</summary>
    public IEnumerable<JsonElement> Array(string name)
    {
        if (!TryGet(name, out JsonElement v))
        {
            return [];
        }

        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : throw Error($"\"{name}\" must be an array");
    }

    /// <summary>The objects of an array field, each with its place for error messages.</summary>
    public IEnumerable<TokenizerJsonNode> Objects(string name)
    {
        int i = 0;
        foreach (JsonElement e in Array(name))
        {
            yield return new TokenizerJsonNode(e, File, $"{Where}.{name}[{i++}]");
        }
    }

    /// <summary>A <c>{"String": "…"}</c> or <c>{"Regex": "…"}</c> pattern, as Split and Replace write it.</summary>
    public TextPattern Pattern(string name)
    {
        TokenizerJsonNode p = Object(name);
        if (p.OptionalString("String") is string s)
        {
            return TextPattern.Literal(s);
        }

        if (p.OptionalString("Regex") is string r)
        {
            try
            {
                return TextPattern.Oniguruma(r);
            }
            catch (ArgumentException e)
            {
                throw p.Error($"regex {JsonSerializer.Serialize(r)} is not supported: {e.Message}");
            }
        }

        throw p.Error("expected \"String\" or \"Regex\"");
    }
}
