namespace ClipSharp.Imaging;

/// <summary>
/// Bytes reserved from a <see cref="DecodeMemoryBudget"/> for one decode. Dispose it when the decoded pixels and the
/// preprocessing buffers are released; disposing twice releases once.
/// </summary>
public sealed class DecodeMemoryLease : IDisposable
{
    private DecodeMemoryBudget? _budget;

    internal DecodeMemoryLease(DecodeMemoryBudget? budget, long bytes)
    {
        _budget = budget;
        Bytes = bytes;
    }

    /// <summary>The bytes this lease holds.</summary>
    public long Bytes { get; }

    /// <summary>Returns the bytes to the budget and wakes the decodes that now fit.</summary>
    public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(Bytes);
}
