namespace ClipSharp.Text.PreTokenizers;

/// <summary><c>Split</c> (and <c>Whitespace</c>): splits at the matches of a string or regex pattern.</summary>
internal sealed class PatternPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert) : PreTokenizerStep
{
    public override void Split(PreToken piece, List<PreToken> output)
        => Splitter.Split(piece, pattern.Matches(piece.Text), behavior, invert, output);
}
