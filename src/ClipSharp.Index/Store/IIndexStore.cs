namespace ClipSharp.Index;

/// <summary>
/// The source of truth of an index: file records with their embeddings, failures and metadata. The embedded
/// store is <see cref="SqliteIndexStore"/>; other backends (PostgreSQL) implement the same contract. Every
/// write is a <see cref="CommitAsync"/> of one <see cref="IndexBatch"/> in one transaction, and upserts are keyed
/// by path, so a run killed at any moment loses at most its uncommitted batch and never duplicates a file.
/// </summary>
public interface IIndexStore : IAsyncDisposable
{
    /// <summary>The model and schema the vectors were made with, or null for a new, empty index.</summary>
    Task<IndexMetadata?> GetMetadataAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the current model. Files embedded with another model id become stale: they stay listed but are
    /// left out of search until they are re-embedded.
    /// </summary>
    Task SetMetadataAsync(IndexMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renames the recorded model in place, in one transaction: when the recorded model id is
    /// <paramref name="formerModelId"/>, records <paramref name="modelId"/> instead and gives every file and failure
    /// whose vector key is the recorded <see cref="IndexMetadata.VectorKey"/> the new key (no vector changes, nothing is
    /// re-embedded). Returns false, changing nothing, when the recorded id is not <paramref name="formerModelId"/>.
    /// </summary>
    Task<bool> ReplaceModelIdAsync(string formerModelId, string modelId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the file of record <paramref name="id"/> on disk is no longer the one indexed (seen by a reader such
    /// as the server: another size, modification time or content): its vector key is cleared (it matches no model), so
    /// the record leaves searches, counts as stale, and the next indexing run embeds the file again.
    /// </summary>
    /// <returns>True when the record was marked now; false when it was already marked or is gone.</returns>
    Task<bool> MarkStaleAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The record of one path (exact, full path), or null.</summary>
    Task<IndexedFile?> GetByPathAsync(string path, bool withEmbedding, CancellationToken cancellationToken = default);

    /// <summary>The record with this id (as in <see cref="SearchHit.Id"/>), or null.</summary>
    Task<IndexedFile?> GetByIdAsync(long id, bool withEmbedding, CancellationToken cancellationToken = default);

    /// <summary>Records whose content hash is <paramref name="sha256"/> (lower-case hex), with embeddings.</summary>
    Task<IReadOnlyList<IndexedFile>> GetBySha256Async(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Every record, in path order; embeddings only when asked for.</summary>
    IAsyncEnumerable<IndexedFile> ListFilesAsync(bool withEmbeddings, CancellationToken cancellationToken = default);

    /// <summary>Every failed file with its reason, in path order.</summary>
    IAsyncEnumerable<IndexFailure> ListFailuresAsync(CancellationToken cancellationToken = default);

    /// <summary>Every file recorded as not an image (so an unchanged one is not read again), in path order.</summary>
    IAsyncEnumerable<NonImageFile> ListNonImagesAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies a batch (upserts, failures, deletes) atomically: all of it or none of it.</summary>
    Task CommitAsync(IndexBatch batch, CancellationToken cancellationToken = default);

    /// <summary>How many files, current vectors, stale vectors and failures the index holds.</summary>
    Task<IndexCounts> GetCountsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A number that changes with every commit; derived search structures remember it to know when they are stale.
    /// </summary>
    Task<long> GetGenerationAsync(CancellationToken cancellationToken = default);
}
