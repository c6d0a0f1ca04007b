using System.Text;

namespace ClipSharp.Text.Normalizers;

/// <summary>
/// <c>Lowercase</c>: each character lowercased on its own, as Rust's <c>char::to_lowercase</c> does (full
/// mappings such as U+0130 → "i̇", and no final-sigma rule: Σ is always σ).
/// </summary>
internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text) => TextRunes.Lowercase(text);
}
