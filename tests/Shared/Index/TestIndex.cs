using System.Security.Cryptography;
using System.Text;
using ClipSharp.Index;

namespace ClipSharp.Tests;

/// <summary>
/// A real embedded index (<see cref="PhotoIndex"/>, SQLite) in its own temporary folder, filled with given files and
/// vectors; disposing it (the server does, as it does any index it serves) closes it and deletes the folder. Ids are
/// 1…N in the order files are added.
/// </summary>
internal sealed class TestIndex : IPhotoIndex
{
    public const string ModelId = "test-model";

    private readonly TempFolder _folder;
    private readonly PhotoIndex _index;
    private int _disposed;

    private TestIndex(TempFolder folder, PhotoIndex index)
    {
        _folder = folder;
        _index = index;
    }

    /// <summary>An index holding <paramref name="files"/> (ids 1…N in this order), made with the test model of <paramref name="dimension"/> values.</summary>
    public static async Task<TestIndex> CreateAsync(int dimension, IEnumerable<TestIndexFile> files)
    {
        var folder = new TempFolder();
        var index = new TestIndex(folder, PhotoIndex.Open(folder.Sub("index")));
        await index.Store.SetMetadataAsync(new IndexMetadata(ModelId, "test-preprocess", dimension));
        await index.AddAsync(files);
        return index;
    }

    /// <summary>Adds files in one commit.</summary>
    public async Task AddAsync(IEnumerable<TestIndexFile> files)
    {
        string key = (await Store.GetMetadataAsync())!.VectorKey;
        var batch = new IndexBatch();
        foreach (var file in files)
        {
            var info = new FileInfo(file.Path);
            batch.Upserts.Add(new IndexedFile
            {
                Path = file.Path,
                Size = file.Size ?? (info.Exists ? info.Length : 1),
                ModifiedUtc = file.ModifiedUtc ?? (info.Exists ? info.LastWriteTimeUtc : DateTime.UnixEpoch),
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Path))),
                TakenAt = file.TakenAt,
                VectorKey = key,
                Embedding = file.Vector,
            });
        }

        await Store.CommitAsync(batch);
    }

    /// <summary>A path inside the index's temporary folder (deleted with it), e.g. for copies of photos.</summary>
    public string Sub(params string[] parts) => _folder.Sub(parts);

    /// <summary>The ids of records whose vector is not the current model's (marked stale, left out of searches), in path order.</summary>
    public async Task<IReadOnlyList<long>> StaleIdsAsync()
    {
        string key = (await Store.GetMetadataAsync())!.VectorKey;
        var ids = new List<long>();
        await foreach (var file in Store.ListFilesAsync(withEmbeddings: false))
        {
            if (file.VectorKey != key)
            {
                ids.Add(file.Id);
            }
        }

        return ids;
    }

    /// <summary>The id of the file at <paramref name="path"/>.</summary>
    public async Task<long> IdOfAsync(string path)
        => (await Store.GetByPathAsync(path, withEmbedding: false))?.Id ?? throw new ArgumentException("not indexed: " + path, nameof(path));

    public IIndexStore Store => _index.Store;

    public string Location => _index.Location;

    public Task PrepareAsync(CancellationToken cancellationToken = default) => _index.PrepareAsync(cancellationToken);

    public Task<long> GetStorageBytesAsync(CancellationToken cancellationToken = default) => _index.GetStorageBytesAsync(cancellationToken);

    public Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, SearchOptions options, CancellationToken cancellationToken = default)
        => _index.SearchAsync(query, options, cancellationToken);

    public Task<IReadOnlyList<DuplicateGroup>> FindDuplicatesAsync(float threshold = 0.97f, CancellationToken cancellationToken = default)
        => _index.FindDuplicatesAsync(threshold, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _index.DisposeAsync();
            _folder.Dispose();
        }
    }
}
