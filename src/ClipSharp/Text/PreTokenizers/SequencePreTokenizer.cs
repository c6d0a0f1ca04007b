namespace ClipSharp.Text.PreTokenizers;

/// <summary><c>Sequence</c>: each pre-tokenizer applied to all the pieces the previous one produced.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizerStep> steps) : PreTokenizerStep
{
    public override List<PreToken> Apply(List<PreToken> pieces)
    {
        foreach (PreTokenizerStep step in steps)
        {
            pieces = step.Apply(pieces);
        }

        return pieces;
    }

    public override void Split(PreToken piece, List<PreToken> output) => output.AddRange(Apply([piece]));
}
