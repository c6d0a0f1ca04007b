using ClipSharp.Index;
using ClipSharp.Postgres;
using ClipSharp.Server;

namespace ClipSharp.Cli;

/// <summary>The server's view of a photo index (embedded folder or PostgreSQL store): search, files and vectors by id.</summary>
internal sealed class IndexPhotoSearch : IPhotoSearch, IAsyncDisposable
{
    private readonly IPhotoIndex _index;

    private IndexPhotoSearch(IPhotoIndex index, string description)
    {
        _index = index;
        Description = description;
    }

    public string Description { get; }

    /// <summary>Opens the index and checks that it was built with <paramref name="model"/>'s image pipeline.</summary>
    public static async Task<IndexPhotoSearch> OpenAsync(string storeOrIndexPath, ClipModel model, CancellationToken cancellationToken)
    {
        var index = await IndexStoreFactory.OpenAsync(storeOrIndexPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
            string modelId = new ClipModelEmbedder(model).ModelId;
            if (meta is not null && meta.ModelId != modelId)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput,
                    $"the index was built with model {meta.ModelId}, not {modelId}: serve it with that model (or omit --model), or re-index with this one", index.Location);
            }

            await index.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var counts = await index.Store.GetCountsAsync(cancellationToken).ConfigureAwait(false);
            return new IndexPhotoSearch(index, $"{index.Location} ({counts.Files} files)");
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
        return meta?.ModelFolder;
    }

    public async Task<IReadOnlyList<PhotoHit>> SearchAsync(ReadOnlyMemory<float> query, PhotoSearchOptions options, CancellationToken cancellationToken)
    {
        var hits = await _index.SearchAsync(query, new SearchOptions
        {
            Limit = options.Limit,
            MinScore = options.MinScore,
            Folder = options.Folder,
            TakenAfter = options.TakenAfter,
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

    public ValueTask DisposeAsync() => _index.DisposeAsync();
}
