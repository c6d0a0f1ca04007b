namespace ClipSharp.Index.Tests;

/// <summary>
/// A backend the conformance suite runs against: opens named indexes (the same name opens the same index again,
/// as a second, independent instance — another process would do the same) and cleans them all up on dispose.
/// </summary>
public abstract class IndexBackend : IAsyncDisposable
{
    /// <summary>For messages.</summary>
    public abstract string Name { get; }

    /// <summary>Opens (creating) the index called <paramref name="name"/>; HNSW is used from <paramref name="hnswThreshold"/> vectors on.</summary>
    public abstract Task<IPhotoIndex> OpenAsync(string name = "index", int? hnswThreshold = null);

    /// <summary>The store string that opens the same index in another process (the crash helper).</summary>
    public abstract string StoreString(string name);

    /// <summary>How the last search of <paramref name="index"/> was answered.</summary>
    public abstract SearchMethod LastMethod(IPhotoIndex index);

    /// <summary>Backend-specific soundness check after crashes; "ok" when sound.</summary>
    public abstract Task<string> CheckIntegrityAsync(IPhotoIndex index);

    /// <summary>Deletes every index this backend opened.</summary>
    public abstract ValueTask DisposeAsync();
}

/// <summary>The embedded backend: each index a folder under one temporary folder.</summary>
public sealed class SqliteBackend : IndexBackend
{
    private readonly TempFolder _temp = new();

    /// <inheritdoc/>
    public override string Name => "sqlite";

    /// <inheritdoc/>
    public override Task<IPhotoIndex> OpenAsync(string name = "index", int? hnswThreshold = null)
        => Task.FromResult<IPhotoIndex>(PhotoIndex.Open(StoreString(name),
            hnswThreshold is { } t ? new PhotoIndexOptions { Hnsw = new HnswOptions { Threshold = t } } : null));

    /// <inheritdoc/>
    public override string StoreString(string name) => _temp.Sub(name);

    /// <inheritdoc/>
    public override SearchMethod LastMethod(IPhotoIndex index) => ((PhotoIndex)index).LastMethod;

    /// <inheritdoc/>
    public override Task<string> CheckIntegrityAsync(IPhotoIndex index) => ((PhotoIndex)index).Store.CheckIntegrityAsync();

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }
}
