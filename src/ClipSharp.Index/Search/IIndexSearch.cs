namespace ClipSharp.Index;

/// <summary>Nearest-neighbour search over an index's current vectors by cosine similarity.</summary>
public interface IIndexSearch
{
    /// <summary>
    /// The files most similar to <paramref name="query"/> (a normalised embedding), best first; ties by path.
    /// </summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, SearchOptions options, CancellationToken cancellationToken = default);
}

/// <summary>What to return from a search.</summary>
public sealed record SearchOptions
{
    /// <summary>At most this many hits (default 20).</summary>
    public int Limit { get; init; } = 20;

    /// <summary>Only hits with a cosine of at least this (default: no minimum).</summary>
    public float? MinScore { get; init; }

    /// <summary>Only files inside this folder (full path; any depth).</summary>
    public string? Folder { get; init; }

    /// <summary>Only files whose EXIF date taken is at or after this; files without a date are left out.</summary>
    public DateTime? TakenAfter { get; init; }

    /// <summary>Force the exact scan even where an approximate (HNSW) index would be used.</summary>
    public bool Exact { get; init; }
}

/// <summary>One search result.</summary>
/// <param name="Id">The store's id of the file.</param>
/// <param name="Path">Full path.</param>
/// <param name="Score">Cosine similarity to the query.</param>
/// <param name="TakenAt">EXIF date taken, when known.</param>
public sealed record SearchHit(long Id, string Path, float Score, DateTime? TakenAt);
