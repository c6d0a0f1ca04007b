using System.Text;

namespace ClipSharp.Text.PreTokenizers;

/// <summary>
/// <c>ByteLevel</c>: optionally a space in front, optionally GPT-2's split (contractions, letters, numbers, other
/// characters, spaces), then each piece's UTF-8 bytes written as GPT-2's 256 printable byte characters.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizerStep
{
    private static readonly TextPattern s_gpt2 = TextPattern.Oniguruma(
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+");

    public override void Split(PreToken piece, List<PreToken> output)
    {
        if (addPrefixSpace && !piece.Text.StartsWith(' '))
        {
            piece = piece with { Text = " " + piece.Text };
        }

        int first = output.Count;
        if (useRegex)
        {
            Splitter.Split(piece, s_gpt2.Matches(piece.Text), SplitBehavior.Isolated, invert: false, output);
        }
        else if (piece.Text.Length > 0)
        {
            output.Add(piece);
        }

        for (int i = first; i < output.Count; i++)
        {
            output[i] = output[i] with { Text = ToByteChars(output[i].Text) };
        }
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/> as GPT-2's byte characters (one char per byte).</summary>
    internal static string ToByteChars(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        char[] map = BpeVocabulary.ByteToUnicode;
        return string.Create(bytes.Length, bytes, (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++)
            {
                dst[i] = map[src[i]];
            }
        });
    }
}
