namespace ClipSharp.Server;

/// <summary>
/// What the server needs from a photo index: nearest neighbours of a query vector, the files it holds by id, and
/// enough to check that a file on disk is still the one indexed. The server only ever reads paths recorded here,
/// and serves a file only while it is the indexed one (see <see cref="MarkChangedAsync"/>).
/// </summary>
public interface IPhotoSearch
{
    /// <summary>Where the index lives (a folder, or a database without its password), for logs and <c>/readyz</c>.</summary>
    string Location { get; }

    /// <summary>The files most similar to <paramref name="query"/> (a normalised embedding), best first.</summary>
    Task<IReadOnlyList<PhotoHit>> SearchAsync(ReadOnlyMemory<float> query, PhotoSearchOptions options, CancellationToken cancellationToken);

    /// <summary>The indexed file with this id, or null.</summary>
    Task<PhotoRecord?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>The stored embedding of the file with this id (for "more like this"), or null.</summary>
    Task<float[]?> GetEmbeddingAsync(long id, CancellationToken cancellationToken);

    /// <summary>How many files the index holds now.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>The folders that hold indexed files, each once, as recorded (the server serves nothing outside them).</summary>
    Task<IReadOnlyCollection<string>> GetFoldersAsync(CancellationToken cancellationToken);

    /// <summary>A number that changes whenever files are added, changed or removed.</summary>
    Task<long> GetGenerationAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records that the file on disk is no longer the one indexed (another size or modification time): it is left
    /// out of searches and re-embedded by the next indexing run.
    /// </summary>
    /// <returns>True when the record was marked now; false when it was already marked or is gone.</returns>
    Task<bool> MarkChangedAsync(long id, CancellationToken cancellationToken);
}

/// <summary>What to return from a search.</summary>
public sealed record PhotoSearchOptions
{
    /// <summary>At most this many hits.</summary>
    public int Limit { get; init; } = 20;

    /// <summary>Only hits with at least this cosine.</summary>
    public float? MinScore { get; init; }

    /// <summary>Only files inside this folder.</summary>
    public string? Folder { get; init; }

    /// <summary>Only files taken at or after this date.</summary>
    public DateTime? TakenAfter { get; init; }

    /// <summary>Only files taken before this date.</summary>
    public DateTime? TakenBefore { get; init; }
}

/// <summary>One indexed file.</summary>
/// <param name="Id">The index's id of the file.</param>
/// <param name="Path">Full path.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="ModifiedUtc">Last write time (UTC) when indexed.</param>
/// <param name="TakenAt">EXIF date taken, when known.</param>
public sealed record PhotoRecord(long Id, string Path, long Size, DateTime ModifiedUtc, DateTime? TakenAt);

/// <summary>One search result.</summary>
/// <param name="File">The file.</param>
/// <param name="Score">Cosine similarity to the query.</param>
public sealed record PhotoHit(PhotoRecord File, float Score);
