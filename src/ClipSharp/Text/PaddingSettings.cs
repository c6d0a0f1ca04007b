using System.Text.Json;

namespace ClipSharp.Text;

/// <summary>
/// A <c>tokenizer.json</c>'s <c>padding</c>: to a fixed length (<paramref name="FixedLength"/>) or to the longest
/// text of a batch (null), rounded up to a multiple, with the pad id on the right or the left.
/// </summary>
internal sealed record PaddingSettings(int? FixedLength, int? MultipleOf, int PadId, int PadTypeId, bool Left)
{
    public static PaddingSettings Create(TokenizerJsonNode node)
    {
        int? fixedLength = null;
        if (node.TryGet("strategy", out JsonElement strategy))
        {
            if (strategy.ValueKind == JsonValueKind.Object)
            {
                fixedLength = new TokenizerJsonNode(strategy, node.File, node.Where + ".strategy").Int("Fixed");
            }
            else if (strategy.ValueKind != JsonValueKind.String || strategy.GetString() != "BatchLongest")
            {
                throw node.Error("strategy must be \"BatchLongest\" or {\"Fixed\": n}");
            }
        }

        bool left = node.OptionalString("direction") switch
        {
            null or "Right" => false,
            "Left" => true,
            string other => throw node.Error($"unsupported padding direction \"{other}\""),
        };
        int? multiple = node.OptionalInt("pad_to_multiple_of");
        return new PaddingSettings(fixedLength, multiple is > 0 ? multiple : null, node.OptionalInt("pad_id") ?? 0,
            node.OptionalInt("pad_type_id") ?? 0, left);
    }

    /// <summary>The padded length for texts whose longest has <paramref name="longest"/> ids.</summary>
    public int Target(int longest)
    {
        int target = FixedLength ?? longest;
        return MultipleOf is int m && target % m != 0 ? target + m - (target % m) : target;
    }
}
