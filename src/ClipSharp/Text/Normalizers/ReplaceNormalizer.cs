namespace ClipSharp.Text.Normalizers;

/// <summary><c>Replace</c>: every match of a string or regex pattern replaced by a fixed content.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : Normalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content);
}
