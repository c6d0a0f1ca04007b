namespace ClipSharp.Text;

/// <summary>A <c>tokenizer.json</c>'s <c>truncation</c>: at most <paramref name="MaxLength"/> ids, special tokens included, cut on the right or the left.</summary>
internal sealed record TruncationSettings(int MaxLength, bool FromLeft)
{
    public static TruncationSettings Create(TokenizerJsonNode node)
    {
        // Stride only shapes the overflowing windows, which single-text encoding does not return; OnlyFirst and
        // LongestFirst are the same thing for one text.
        string strategy = node.OptionalString("strategy") ?? "LongestFirst";
        if (strategy is not ("LongestFirst" or "OnlyFirst"))
        {
            throw node.Error($"unsupported truncation strategy \"{strategy}\" (a single text can only be truncated with LongestFirst or OnlyFirst)");
        }

        bool left = node.OptionalString("direction") switch
        {
            null or "Right" => false,
            "Left" => true,
            string other => throw node.Error($"unsupported truncation direction \"{other}\""),
        };
        return new TruncationSettings(node.Int("max_length"), left);
    }
}
