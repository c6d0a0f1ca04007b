namespace ClipSharp.Index;

/// <summary>
/// Nearest-neighbour search over an index's current vectors by cosine similarity, and duplicate detection. The
/// embedded index (<see cref="PhotoIndex"/>) answers in memory; the PostgreSQL backend pushes both down to SQL.
/// </summary>
public interface IIndexSearch
{
    /// <summary>
    /// The files most similar to <paramref name="query"/> (a normalised embedding), best first; ties by path.
    /// </summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, SearchOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Groups of duplicates among the current vectors: exact (same content hash) and near (cosine ≥
    /// <paramref name="threshold"/>, grouped transitively; exact copies count as one image there).
    /// </summary>
    Task<IReadOnlyList<DuplicateGroup>> FindDuplicatesAsync(float threshold = 0.97f, CancellationToken cancellationToken = default);
}

/// <summary>
/// An opened index of any backend: its source of truth (<see cref="Store"/>) and its search. What the commands and
/// the server work against; <c>IndexStoreFactory.Open</c> (ClipSharp.Postgres) picks the backend from a path or
/// a connection string, <see cref="PhotoIndex.Open"/> opens the embedded one.
/// </summary>
public interface IPhotoIndex : IIndexSearch, IAsyncDisposable
{
    /// <summary>The source of truth: files, vectors, failures, metadata.</summary>
    IIndexStore Store { get; }

    /// <summary>Where the index lives, for messages: a folder, or a Postgres URL without its password.</summary>
    string Location { get; }

    /// <summary>
    /// Readies the search structures after writes (loads vectors, builds or refreshes the approximate index when
    /// the index is large enough); searching works without it, only the first search is slower.
    /// </summary>
    Task PrepareAsync(CancellationToken cancellationToken = default);

    /// <summary>Bytes the index occupies (files on disk, or the relations in the database).</summary>
    Task<long> GetStorageBytesAsync(CancellationToken cancellationToken = default);
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

    /// <summary>Only files whose EXIF date taken is before this; files without a date are left out.</summary>
    public DateTime? TakenBefore { get; init; }

    /// <summary>Force the exact scan even where an approximate (HNSW) index would be used.</summary>
    public bool Exact { get; init; }

    /// <summary>
    /// The folder filter as a path prefix ending in a separator (<see cref="Folder"/> made absolute), or null.
    /// </summary>
    public string? FolderPrefix => string.IsNullOrWhiteSpace(Folder)
        ? null
        : Path.TrimEndingDirectorySeparator(Path.GetFullPath(Folder)) + Path.DirectorySeparatorChar;
}

/// <summary>One search result.</summary>
/// <param name="Id">The store's id of the file.</param>
/// <param name="Path">Full path.</param>
/// <param name="Score">Cosine similarity to the query.</param>
/// <param name="TakenAt">EXIF date taken, when known.</param>
public sealed record SearchHit(long Id, string Path, float Score, DateTime? TakenAt)
{
    /// <summary>Size in bytes when the file was indexed.</summary>
    public long Size { get; init; }

    /// <summary>Last write time (UTC) when the file was indexed.</summary>
    public DateTime ModifiedUtc { get; init; }

    /// <summary>The date results are ordered by in time: taken, else the file's modification time.</summary>
    public DateTime Date => TakenAt ?? ModifiedUtc;
}
