namespace ClipSharp.Text;

/// <summary>One text as a text tower consumes it: ids, attention mask and type ids, all of the same length.</summary>
public sealed class TokenizerEncoding
{
    internal TokenizerEncoding(int[] ids, int[] attentionMask, int[] typeIds, int length, bool truncated)
    {
        Ids = Array.AsReadOnly(ids);
        AttentionMask = Array.AsReadOnly(attentionMask);
        TypeIds = Array.AsReadOnly(typeIds);
        Length = length;
        Truncated = truncated;
    }

    /// <summary>The ids: the text's tokens framed by the post-processor's special tokens, then any padding.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>1 for each real id, 0 for each padding id.</summary>
    public IReadOnlyList<int> AttentionMask { get; }

    /// <summary>The type (segment) id of each id.</summary>
    public IReadOnlyList<int> TypeIds { get; }

    /// <summary>Number of real ids (special tokens included, padding excluded).</summary>
    public int Length { get; }

    /// <summary>True when the text had more ids than the maximum length and was cut.</summary>
    public bool Truncated { get; }
}
