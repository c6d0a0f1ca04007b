namespace ClipSharp.Text;

/// <summary>
/// An entry of <c>added_tokens</c>: a string matched in the text before the model sees it and given one id.
/// <see cref="Normalized"/> ones are matched in the normalized text, the others in the raw text; a
/// <see cref="SingleWord"/> one only when no word character touches it; <see cref="LStrip"/>/<see cref="RStrip"/>
/// swallow the white space on their left/right.
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special)
{
    public static AddedToken Create(TokenizerJsonNode node)
    {
        bool special = node.Bool("special", false);
        return new AddedToken(node.Int("id"), node.String("content"), node.Bool("single_word", false), node.Bool("lstrip", false),
            node.Bool("rstrip", false), node.Bool("normalized", !special), special);
    }
}
