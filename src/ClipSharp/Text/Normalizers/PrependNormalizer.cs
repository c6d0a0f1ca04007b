namespace ClipSharp.Text.Normalizers;

/// <summary><c>Prepend</c>: a prefix before any non-empty text (an empty text stays empty, as in the Rust library).</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
