namespace ClipSharp.Index;

/// <summary>Options of an embedded index.</summary>
public sealed record PhotoIndexOptions
{
    /// <summary>When and how the approximate (HNSW) index is used.</summary>
    public HnswOptions Hnsw { get; init; } = new();

    /// <summary>
    /// How to store vectors: null (default) keeps what the index has, float32 for a new one. See
    /// <see cref="SqliteIndexStore.Open(string, VectorPrecision?)"/> for converting an existing index.
    /// </summary>
    public VectorPrecision? Vectors { get; init; }
}

/// <summary>How a search was answered.</summary>
public enum SearchMethod
{
    /// <summary>Exact scan of every vector.</summary>
    Exact,

    /// <summary>HNSW candidates re-scored exactly.</summary>
    Hnsw,
}

/// <summary>
/// An embedded index: the <see cref="SqliteIndexStore"/> in one folder plus its derived search structures — an
/// in-memory matrix for exact SIMD search and, above <see cref="HnswOptions.Threshold"/> vectors, a persisted
/// HNSW graph — rebuilt from the database whenever it has changed. Thread-safe.
/// </summary>
public sealed class PhotoIndex : IPhotoIndex
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly Lock _hnswLock = new();
    private VectorSnapshot? _snapshot;
    private HnswIndex? _hnsw;
    private long _hnswGeneration = -1;

    private PhotoIndex(SqliteIndexStore store, PhotoIndexOptions options)
    {
        Store = store;
        Options = options;
    }

    /// <summary>The default index folder: $XDG_DATA_HOME/clipsharp/indexes/default (else ~/.local/share/…).</summary>
    public static string DefaultFolder
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            string data = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(data, "clipsharp", "indexes", "default");
        }
    }

    /// <summary>Opens (creating when needed) the index in <paramref name="folder"/>.</summary>
    public static PhotoIndex Open(string folder, PhotoIndexOptions? options = null)
    {
        options ??= new PhotoIndexOptions();
        return new(SqliteIndexStore.Open(folder, options.Vectors), options);
    }

    /// <summary>The source of truth.</summary>
    public SqliteIndexStore Store { get; }

    /// <inheritdoc/>
    IIndexStore IPhotoIndex.Store => Store;

    /// <inheritdoc/>
    public string Location => Store.Folder;

    /// <summary>The options the index was opened with.</summary>
    public PhotoIndexOptions Options { get; }

    /// <summary>The index folder.</summary>
    public string Folder => Store.Folder;

    /// <summary>How the HNSW graph in use came to be (null before it is needed).</summary>
    internal HnswOrigin? HnswOrigin => _hnsw?.Origin;

    /// <summary>How the last search was answered.</summary>
    public SearchMethod LastMethod { get; private set; }

    /// <summary>Loads the vectors and, above the threshold, loads or builds the HNSW graph now.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.Count >= Options.Hnsw.Threshold)
        {
            GetHnsw(snapshot);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, SearchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Limit, 1, nameof(options));
        var snapshot = await GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.Count == 0)
        {
            return [];
        }

        if (query.Length != snapshot.Dimension)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the query has {query.Length} values but the index holds vectors of {snapshot.Dimension} (another model?)", Folder);
        }

        Func<int, bool>? filter = BuildFilter(snapshot, options);
        float minScore = options.MinScore ?? float.NegativeInfinity;
        List<(int Row, float Score)> rows;
        if (!options.Exact && snapshot.Count >= Options.Hnsw.Threshold)
        {
            rows = SearchHnsw(snapshot, query.Span, options.Limit, minScore, filter);
            LastMethod = SearchMethod.Hnsw;
        }
        else
        {
            rows = ExactSearch.TopK(snapshot, query.Span, options.Limit, minScore, filter);
            LastMethod = SearchMethod.Exact;
        }

        return rows.Select(r => new SearchHit(snapshot.Ids[r.Row], snapshot.Paths[r.Row], r.Score, snapshot.TakenAt[r.Row])
        {
            Size = snapshot.Sizes[r.Row],
            ModifiedUtc = snapshot.ModifiedUtc[r.Row],
        }).ToList();
    }

    private List<(int Row, float Score)> SearchHnsw(VectorSnapshot snapshot, ReadOnlySpan<float> query, int limit, float minScore, Func<int, bool>? filter)
        => SearchHnsw(GetHnsw(snapshot), snapshot, query, limit, Options.Hnsw.ExpansionSearch, minScore, filter);

    /// <summary>
    /// The approximate path: the graph's best candidates (at least <paramref name="expansionSearch"/>), re-scored
    /// exactly against the snapshot, filtered, best first; a selective filter that leaves too few falls back to exact.
    /// </summary>
    internal static List<(int Row, float Score)> SearchHnsw(HnswIndex hnsw, VectorSnapshot snapshot, ReadOnlySpan<float> query, int limit, int expansionSearch,
        float minScore, Func<int, bool>? filter)
    {
        int fetch = Math.Max(limit * 2, expansionSearch);
        if (filter is not null)
        {
            fetch = Math.Min(snapshot.Count, fetch * 8);
        }

        var result = new List<(int Row, float Score)>();
        var scorer = snapshot.Scorer(query);
        foreach (long id in hnsw.Search(query, fetch))
        {
            int row = snapshot.RowOfId(id);
            if (row < 0)
            {
                continue;
            }

            float score = scorer.Score(row);
            if (score >= minScore && (filter is null || filter(row)))
            {
                result.Add((row, score));
            }
        }

        result.Sort(ExactSearch.Compare);
        if (result.Count < limit && filter is not null && result.Count < fetch)
        {
            // A selective filter left too few candidates: answer exactly instead.
            return ExactSearch.TopK(snapshot, query, limit, minScore, filter);
        }

        return result.Count > limit ? result.GetRange(0, limit) : result;
    }

    private static Func<int, bool>? BuildFilter(VectorSnapshot snapshot, SearchOptions options)
    {
        string? folder = options.FolderPrefix;

        DateTime? after = options.TakenAfter;
        DateTime? before = options.TakenBefore;
        if (folder is null && after is null && before is null)
        {
            return null;
        }

        return row =>
            (folder is null || snapshot.Paths[row].StartsWith(folder, StringComparison.Ordinal))
            && (after is null || (snapshot.TakenAt[row] is { } t && t >= after.Value))
            && (before is null || (snapshot.TakenAt[row] is { } b && b < before.Value));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DuplicateGroup>> FindDuplicatesAsync(float threshold = 0.97f, CancellationToken cancellationToken = default)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        HnswIndex? hnsw = snapshot.Count >= Options.Hnsw.Threshold ? GetHnsw(snapshot) : null;
        return DuplicateFinder.Find(snapshot, threshold, hnsw, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> GetStorageBytesAsync(CancellationToken cancellationToken = default)
        => Task.FromResult(Directory.EnumerateFiles(Folder).Sum(f => new FileInfo(f).Length));

    internal async Task<VectorSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        long generation = await Store.GetGenerationAsync(cancellationToken).ConfigureAwait(false);
        var current = _snapshot;
        if (current is not null && current.Generation == generation)
        {
            return current;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_snapshot is null || _snapshot.Generation != generation)
            {
                _snapshot = await Store.LoadSnapshotAsync(cancellationToken).ConfigureAwait(false);
            }

            return _snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private HnswIndex GetHnsw(VectorSnapshot snapshot)
    {
        lock (_hnswLock)
        {
            if (_hnsw is null || _hnswGeneration != snapshot.Generation)
            {
                _hnsw?.Dispose();
                _hnsw = HnswIndex.LoadOrBuild(Folder, snapshot, Options.Hnsw);
                _hnswGeneration = snapshot.Generation;
            }

            return _hnsw;
        }
    }

    /// <summary>Closes the database and frees the search structures.</summary>
    public async ValueTask DisposeAsync()
    {
        _hnsw?.Dispose();
        await Store.DisposeAsync().ConfigureAwait(false);
        _refresh.Dispose();
    }
}
