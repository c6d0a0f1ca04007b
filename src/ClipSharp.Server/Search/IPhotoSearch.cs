namespace ClipSharp.Server;

/// <summary>
/// What the server needs from a photo index: nearest neighbours of a query vector, and the files it holds, by id.
/// Only files returned here are ever served, so the HTTP API can never reach an arbitrary path.
/// </summary>
public interface IPhotoSearch
{
    /// <summary>A short description for <c>/readyz</c> (e.g. the index folder and its file count).</summary>
    string Description { get; }

    /// <summary>The files most similar to <paramref name="query"/> (a normalised embedding), best first.</summary>
    Task<IReadOnlyList<PhotoHit>> SearchAsync(ReadOnlyMemory<float> query, PhotoSearchOptions options, CancellationToken cancellationToken);

    /// <summary>The indexed file with this id, or null.</summary>
    Task<PhotoRecord?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>The stored embedding of the file with this id (for "more like this"), or null.</summary>
    Task<float[]?> GetEmbeddingAsync(long id, CancellationToken cancellationToken);
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
