using System.Numerics.Tensors;

namespace ClipSharp.Server;

/// <summary>
/// An exact cosine search over vectors held in memory: for tests, demos and benchmarks. Thread-safe for reads
/// once filled.
/// </summary>
public sealed class InMemoryPhotoSearch : IPhotoSearch
{
    private readonly List<(PhotoRecord File, float[] Vector)> _items = [];
    private readonly HashSet<long> _changed = [];
    private readonly Lock _lock = new();
    private long _generation;

    /// <inheritdoc/>
    public string Location => "in memory";

    /// <summary>Number of files.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds a file with its normalised embedding; its id must be new.</summary>
    public void Add(PhotoRecord file, float[] vector)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(vector);
        lock (_lock)
        {
            if (_items.Exists(i => i.File.Id == file.Id))
            {
                throw new ArgumentException($"Id {file.Id} is already present.", nameof(file));
            }

            _items.Add((file, vector));
            _generation++;
        }
    }

    /// <summary>The ids marked by <see cref="MarkChangedAsync"/>: left out of searches from then on.</summary>
    public IReadOnlyCollection<long> ChangedIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _changed];
            }
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<PhotoHit>> SearchAsync(ReadOnlyMemory<float> query, PhotoSearchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        (PhotoRecord File, float[] Vector)[] items;
        lock (_lock)
        {
            items = [.. _items.Where(i => !_changed.Contains(i.File.Id))];
        }

        string? folder = string.IsNullOrWhiteSpace(options.Folder) ? null : Path.TrimEndingDirectorySeparator(options.Folder) + Path.DirectorySeparatorChar;
        var hits = new List<PhotoHit>();
        foreach (var (file, vector) in items)
        {
            if (vector.Length != query.Length)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the query has {query.Length} values but the index holds vectors of {vector.Length}");
            }

            if ((folder is not null && !file.Path.StartsWith(folder, StringComparison.Ordinal))
                || (options.TakenAfter is { } after && (file.TakenAt is not { } taken || taken < after))
                || (options.TakenBefore is { } before && (file.TakenAt is not { } takenAt || takenAt >= before)))
            {
                continue;
            }

            float score = TensorPrimitives.Dot(query.Span, vector);
            if (options.MinScore is not { } min || score >= min)
            {
                hits.Add(new PhotoHit(file, score));
            }
        }

        IReadOnlyList<PhotoHit> result = hits
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.File.Path, StringComparer.Ordinal)
            .Take(options.Limit)
            .ToList();
        return Task.FromResult(result);
    }

    /// <inheritdoc/>
    public Task<PhotoRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<PhotoRecord?>(_items.Find(i => i.File.Id == id).File);
        }
    }

    /// <inheritdoc/>
    public Task<float[]?> GetEmbeddingAsync(long id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<float[]?>(_items.Find(i => i.File.Id == id).Vector);
        }
    }

    /// <inheritdoc/>
    public Task<long> CountAsync(CancellationToken cancellationToken) => Task.FromResult<long>(Count);

    /// <inheritdoc/>
    public Task<IReadOnlyCollection<string>> GetFoldersAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyCollection<string> folders = _items.Select(i => Path.GetDirectoryName(i.File.Path) ?? "").Where(f => f.Length > 0).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult(folders);
        }
    }

    /// <inheritdoc/>
    public Task<long> GetGenerationAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_generation);
        }
    }

    /// <inheritdoc/>
    public Task<bool> MarkChangedAsync(long id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            bool marked = _items.Exists(i => i.File.Id == id) && _changed.Add(id);
            if (marked)
            {
                _generation++;
            }

            return Task.FromResult(marked);
        }
    }
}
