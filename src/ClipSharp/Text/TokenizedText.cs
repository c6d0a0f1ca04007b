namespace ClipSharp.Text;

/// <summary>One text as the text tower consumes it: exactly <see cref="ClipTokenizer.ContextLength"/> ids.</summary>
public sealed class TokenizedText
{
    internal TokenizedText(int[] ids, int length, int endOfTextIndex, bool truncated, int untruncatedLength)
    {
        Ids = Array.AsReadOnly(ids);
        Length = length;
        EndOfTextIndex = endOfTextIndex;
        Truncated = truncated;
        UntruncatedLength = untruncatedLength;
    }

    /// <summary>Exactly ContextLength ids: start-of-text, the BPE ids, end-of-text, then padding.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>Number of real tokens, start- and end-of-text included (at most ContextLength).</summary>
    public int Length { get; }

    /// <summary>Index of the first end-of-text id: the position the text tower pools.</summary>
    public int EndOfTextIndex { get; }

    /// <summary>True when the text needed more than ContextLength tokens and was cut (the last kept id is then end-of-text).</summary>
    public bool Truncated { get; }

    /// <summary>Number of tokens, start- and end-of-text included, before truncation.</summary>
    public int UntruncatedLength { get; }
}
