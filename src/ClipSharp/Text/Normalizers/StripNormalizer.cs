namespace ClipSharp.Text.Normalizers;

/// <summary><c>Strip</c>: removes Unicode White_Space from either end.</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text)
    {
        int start = 0;
        int end = text.Length;
        if (left)
        {
            while (start < end && TextRunes.IsWhiteSpace(text[start]))
            {
                start++;
            }
        }

        if (right)
        {
            while (end > start && TextRunes.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }
        }

        return start == 0 && end == text.Length ? text : text[start..end];
    }
}
