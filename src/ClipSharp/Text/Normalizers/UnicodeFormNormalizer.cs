namespace ClipSharp.Text.Normalizers;

/// <summary>
/// NFC, NFD, NFKC or NFKD, from the library's own Unicode tables (they work where <see cref="string.Normalize()"/>
/// does not: in globalization-invariant mode).
/// </summary>
internal sealed class UnicodeFormNormalizer(bool compose, bool compatibility) : Normalizer
{
    public override string Normalize(string text) => UnicodeData.Normalize(text, compose, compatibility);
}
