using System.Text.Json;

namespace ClipSharp.Text.PostProcessors;

/// <summary>
/// <c>TemplateProcessing</c>: the <c>single</c> template, e.g. <c>&lt;s&gt; $A &lt;/s&gt;</c>, with each special
/// token replaced by the ids <c>special_tokens</c> gives it and <c>$A</c> by the text's ids, each part with its type id.
/// </summary>
internal sealed class TemplateProcessor : PostProcessor
{
    // Each item: the special token's ids, or null for the sequence; and the type id.
    private readonly List<(int[]? Ids, int TypeId)> _single;

    private TemplateProcessor(List<(int[]?, int)> single) => _single = single;

    public override int AddedCount => _single.Sum(i => i.Ids?.Length ?? 0);

    public static TemplateProcessor FromNode(TokenizerJsonNode node)
    {
        var special = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (node.TryObject("special_tokens", out TokenizerJsonNode specials))
        {
            foreach (JsonProperty p in specials.Element.EnumerateObject())
            {
                var token = new TokenizerJsonNode(p.Value, node.File, $"{specials.Where}.{p.Name}");
                var ids = new List<int>();
                foreach (JsonElement id in token.Array("ids"))
                {
                    ids.Add(id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out int v) && v >= 0 ? v : throw token.Error("\"ids\" must hold ids"));
                }

                special[p.Name] = [.. ids];
            }
        }

        if (!node.TryGet("single", out JsonElement single) || single.ValueKind != JsonValueKind.Array)
        {
            throw node.Error("\"single\" must be an array of template pieces");
        }

        var items = new List<(int[]?, int)>();
        int i = 0;
        foreach (JsonElement e in single.EnumerateArray())
        {
            var item = new TokenizerJsonNode(e, node.File, $"{node.Where}.single[{i++}]");
            if (item.TryObject("SpecialToken", out TokenizerJsonNode st))
            {
                string id = st.String("id");
                items.Add((special.TryGetValue(id, out int[]? ids) ? ids : throw st.Error($"special token {JsonSerializer.Serialize(id)} is not in special_tokens"),
                    st.OptionalInt("type_id") ?? 0));
            }
            else if (item.TryObject("Sequence", out TokenizerJsonNode seq))
            {
                if (seq.String("id") != "A")
                {
                    throw seq.Error("the single-text template can only use sequence A");
                }

                items.Add((null, seq.OptionalInt("type_id") ?? 0));
            }
            else
            {
                throw item.Error("expected a SpecialToken or Sequence piece");
            }
        }

        return new TemplateProcessor(items);
    }

    public override (List<int> Ids, List<int> TypeIds) Process(List<int> ids, List<int> typeIds)
    {
        var outIds = new List<int>(ids.Count + AddedCount);
        var outTypes = new List<int>(ids.Count + AddedCount);
        foreach ((int[]? special, int typeId) in _single)
        {
            if (special is null)
            {
                outIds.AddRange(ids);
            }
            else
            {
                outIds.AddRange(special);
            }

            outTypes.AddRange(Enumerable.Repeat(typeId, outIds.Count - outTypes.Count));
        }

        return (outIds, outTypes);
    }
}
