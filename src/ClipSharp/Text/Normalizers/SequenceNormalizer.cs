namespace ClipSharp.Text.Normalizers;

/// <summary><c>Sequence</c>: the normalizers applied in order.</summary>
internal sealed class SequenceNormalizer(IReadOnlyList<Normalizer> normalizers) : Normalizer
{
    public override string Normalize(string text)
    {
        foreach (Normalizer n in normalizers)
        {
            text = n.Normalize(text);
        }

        return text;
    }
}
