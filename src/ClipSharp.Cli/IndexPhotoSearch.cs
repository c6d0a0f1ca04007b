using ClipSharp.Index;
using ClipSharp.Postgres;
using ClipSharp.Server;

namespace ClipSharp.Cli;

/// <summary>The server's view of a photo index (embedded folder or PostgreSQL store): search, files and vectors by id.</summary>
internal sealed class IndexPhotoSearch : IPhotoSearch, IAsyncDisposable
{
    /// <summary>
    /// Prefixed to the vector key of a record whose file changed on disk (seen by the server): the key is no longer
    /// the current one, so the record leaves searches and the next indexing run embeds the file again.
    /// </summary>
    internal const string ChangedOnDisk = "changed-on-disk|";

    private readonly IPhotoIndex _index;

    private IndexPhotoSearch(IPhotoIndex index) => _index = index;

    public string Location => _index.Location;

    /// <summary>
    /// Opens the index and checks that it was built with <paramref name="model"/>'s image pipeline; an index that records
    /// the model under an older release's id adopts its content id first, and <paramref name="notice"/> hears of it.
    /// </summary>
    public static async Task<IndexPhotoSearch> OpenAsync(string storeOrIndexPath, ClipModel model, Action<string> notice, CancellationToken cancellationToken)
    {
        var index = await IndexStoreFactory.OpenAsync(storeOrIndexPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var embedder = new ClipModelEmbedder(model).ForPreprocessFingerprint((await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false))?.PreprocessFingerprint);
            if (await ModelIdUpgrade.AdoptAsync(index.Store, embedder, cancellationToken).ConfigureAwait(false) is { } adopted)
            {
                notice(adopted.Message);
            }

            var meta = await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
            string modelId = embedder.ModelId;
            if (meta is not null && meta.ModelId != modelId)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput,
                    $"the index was built with model {meta.ModelId}, not {modelId}: serve it with that model (or omit --model), or re-index with this one", index.Location);
            }

            await index.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return new IndexPhotoSearch(index);
        }
        catch
        {
            await index.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The model folder an index records (so `serve --index X` needs no --model), or null.</summary>
    public static async Task<string?> RecordedModelFolderAsync(string storeOrIndexPath, CancellationToken cancellationToken)
    {
        await using var index = await IndexStoreFactory.OpenAsync(storeOrIndexPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        var meta = await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        return IndexCommandContext.RecordedModel(meta);
    }

    public async Task<IReadOnlyList<PhotoHit>> SearchAsync(ReadOnlyMemory<float> query, PhotoSearchOptions options, CancellationToken cancellationToken)
    {
        var hits = await _index.SearchAsync(query, new SearchOptions
        {
            Limit = options.Limit,
            MinScore = options.MinScore,
            Folder = options.Folder,
            TakenAfter = options.TakenAfter,
            TakenBefore = options.TakenBefore,
        }, cancellationToken).ConfigureAwait(false);
        var result = new List<PhotoHit>(hits.Count);
        foreach (var hit in hits)
        {
            // Size and mtime are not part of a search hit; one lookup by id each (a page of results is small).
            if (await GetAsync(hit.Id, cancellationToken).ConfigureAwait(false) is { } record)
            {
                result.Add(new PhotoHit(record, hit.Score));
            }
        }

        return result;
    }

    public async Task<PhotoRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        var file = await _index.Store.GetByIdAsync(id, withEmbedding: false, cancellationToken).ConfigureAwait(false);
        return file is null ? null : new PhotoRecord(file.Id, file.Path, file.Size, file.ModifiedUtc, file.TakenAt);
    }

    public async Task<float[]?> GetEmbeddingAsync(long id, CancellationToken cancellationToken)
        => (await _index.Store.GetByIdAsync(id, withEmbedding: true, cancellationToken).ConfigureAwait(false))?.Embedding;

    public async Task<long> CountAsync(CancellationToken cancellationToken)
        => (await _index.Store.GetCountsAsync(cancellationToken).ConfigureAwait(false)).Files;

    public async Task<IReadOnlyCollection<string>> GetFoldersAsync(CancellationToken cancellationToken)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var file in _index.Store.ListFilesAsync(withEmbeddings: false, cancellationToken).ConfigureAwait(false))
        {
            if (Path.GetDirectoryName(file.Path) is { Length: > 0 } folder)
            {
                folders.Add(folder);
            }
        }

        return folders;
    }

    public Task<long> GetGenerationAsync(CancellationToken cancellationToken) => _index.Store.GetGenerationAsync(cancellationToken);

    public async Task<bool> MarkChangedAsync(long id, CancellationToken cancellationToken)
    {
        var file = await _index.Store.GetByIdAsync(id, withEmbedding: true, cancellationToken).ConfigureAwait(false);
        if (file is null || file.VectorKey.StartsWith(ChangedOnDisk, StringComparison.Ordinal))
        {
            return false;
        }

        var batch = new IndexBatch();
        batch.Upserts.Add(file with { VectorKey = ChangedOnDisk + file.VectorKey });
        await _index.Store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public ValueTask DisposeAsync() => _index.DisposeAsync();
}
