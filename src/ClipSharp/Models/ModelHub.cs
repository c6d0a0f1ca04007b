using System.Globalization;

namespace ClipSharp.Models;

/// <summary>
/// Downloads catalog models from the Hugging Face hub (or a mirror) into a local cache, and finds them there. A pull
/// resolves the revision to one commit and fetches every file at it; each file is verified against the checksum the
/// hub publishes (SHA-256 of LFS files, the git blob SHA-1 of small files) before it can reach the model folder, which
/// appears only once all of them are verified. Files already on disk (an interrupted pull, another cached model, the
/// user's Hugging Face cache) are verified and reused instead of downloaded; interrupted downloads resume with HTTP
/// ranges; transient failures are retried with backoff; concurrent pulls of one model (threads or processes) wait for
/// each other. The jobs are split: <see cref="ModelCatalog"/> (what exists) and <see cref="CatalogReference"/> (how it
/// is named), <see cref="HubClient"/> (HTTP, tokens, redirects), <see cref="RevisionPinner"/> (all files at one commit),
/// <see cref="ModelAssembler"/> (files reused or downloaded, verified, assembled and published), <see cref="FileDownloader"/>
/// (one file, resumed and retried), <see cref="ModelStore"/> and <see cref="CacheLock"/> (the cache on disk),
/// <see cref="FileVerifier"/> (checksums), <see cref="OptimizedCachePreparer"/> (the optimised copy written ahead);
/// this class puts them together.
/// </summary>
public sealed class ModelHub : IDisposable
{
    /// <summary>The file inside a cached model folder that records where it came from; its presence marks a complete model.</summary>
    internal const string ManifestFileName = ModelStore.ManifestFileName;

    private readonly ModelStore _store;
    private readonly RetryPolicy _retry;
    private readonly Lazy<HubClient> _client;
    private readonly ModelAssembler _assembler;

    private ModelHub(ModelHubOptions options)
    {
        Options = options;
        _store = new ModelStore(options);
        _retry = new RetryPolicy(options);
        _client = new Lazy<HubClient>(() => HubClient.Create(options));
        _assembler = new ModelAssembler(options, _store, _retry, () => Client);
    }

    /// <summary>Creates a hub client; options default to <see cref="ModelHubOptions.FromEnvironment"/>.</summary>
    /// <exception cref="ClipSharpException">The endpoint is not an http(s) address.</exception>
    public static ModelHub Create(ModelHubOptions? options = null)
    {
        options ??= ModelHubOptions.FromEnvironment();
        if (!options.Offline)
        {
            _ = HubClient.ParseEndpoint(options.Endpoint);
        }

        return new ModelHub(options);
    }

    /// <summary>The options in force.</summary>
    public ModelHubOptions Options { get; }

    /// <summary>The folder holding downloaded models.</summary>
    public string ModelsDirectory => _store.ModelsDirectory;

    private HubClient Client => _client.Value;

    /// <summary>The cache folder of a catalog model (and variant).</summary>
    public string ModelDirectory(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.ModelDirectory(CatalogReference.Key(entry, variant));
    }

    /// <summary>True when the model is completely in the cache.</summary>
    public bool IsCached(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.IsCached(CatalogReference.Key(entry, variant));
    }

    /// <summary>
    /// The space a cached model takes: its own files (what <see cref="PullAsync"/> reports) and, apart, its
    /// optimised-model cache entries; zero when it is not cached.
    /// </summary>
    internal ModelDiskUsage GetDiskUsage(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.Usage(CatalogReference.Key(entry, variant));
    }

    /// <summary>The manifest of a cached model (what was fetched, from which commit), or null.</summary>
    internal CachedModelManifest? ReadManifest(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.ReadManifest(CatalogReference.Key(entry, variant));
    }

    /// <summary>
    /// Removes a cached model and its partial downloads; false when nothing was there. Waits (saying so through
    /// <paramref name="notice"/>) while another process pulls the same model.
    /// </summary>
    /// <exception cref="ClipSharpException">The cache cannot be written, or the wait gave up.</exception>
    public async Task<bool> RemoveAsync(CatalogEntry entry, string? variant = null, Action<string>? notice = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string key = CatalogReference.Key(entry, variant);
        if (!_store.HasAnything(key))
        {
            return false;
        }

        using var gate = await _store.LockAsync(key, CatalogReference.Display(entry, variant), "removal", notice, cancellationToken).ConfigureAwait(false);
        return _store.Remove(key);
    }

    /// <summary>
    /// The folder of a model reference: an existing folder as it is, else a catalog name (optionally
    /// <c>NAME:VARIANT</c>): from the cache, else (offline) from the user's Hugging Face cache, else pulled.
    /// </summary>
    public async Task<ResolvedModel> ResolveAsync(string reference, IProgress<DownloadProgress>? progress = null, Action<string>? notice = null, CancellationToken cancellationToken = default)
    {
        if (ResolveLocal(reference) is { } local)
        {
            return local;
        }

        var (entry, variant) = CatalogReference.Find(reference);
        if (Options.Offline)
        {
            var imported = await ImportAsync(entry, new ModelPullOptions { Variant = variant, Notice = notice }, cancellationToken).ConfigureAwait(false);
            return imported is null ? throw NotCached(entry, variant) : new ResolvedModel(imported.Folder, entry, variant);
        }

        notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"downloading {CatalogReference.Display(entry, variant)} from {entry.Repository} (about {ByteCount.Format(entry.ApproximateBytesFor(variant))}) into {ModelDirectory(entry, variant)}"));
        var pulled = await PullAsync(entry, new ModelPullOptions { Variant = variant, Progress = progress, Notice = notice }, cancellationToken).ConfigureAwait(false);
        return new ResolvedModel(pulled.Folder, entry, variant);
    }

    /// <summary>
    /// The folder of a model reference without the network and without waiting: an existing folder, or a catalog model
    /// already in the cache; null when the model would have to be fetched first.
    /// </summary>
    /// <exception cref="ClipSharpException">The reference is neither a folder nor a catalog name.</exception>
    public ResolvedModel? ResolveLocal(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (Directory.Exists(reference))
        {
            return new ResolvedModel(Path.GetFullPath(reference), null, null);
        }

        var (entry, variant) = CatalogReference.Find(reference);
        return IsCached(entry, variant) ? new ResolvedModel(ModelDirectory(entry, variant), entry, variant) : null;
    }

    /// <summary>
    /// Puts a catalog model into the cache (a no-op when it is there, unless <see cref="ModelPullOptions.Revision"/>
    /// names another commit or <see cref="ModelPullOptions.Force"/> is set). Offline, only the user's Hugging Face
    /// cache can provide it.
    /// </summary>
    /// <exception cref="ClipSharpException">Network, HTTP, checksum, disk or lock errors, each with one line naming the address or folder.</exception>
    public async Task<ModelPullResult> PullAsync(CatalogEntry entry, ModelPullOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        options ??= new ModelPullOptions();
        IReadOnlyList<string> files = entry.FilesFor(options.Variant);
        string key = CatalogReference.Key(entry, options.Variant);
        string revision = CatalogReference.CheckRevision(options.Revision ?? entry.Revision);
        bool anyCopy = options.Revision is null && !options.Force;
        if (anyCopy && _store.IsCached(key))
        {
            return Existing(key);
        }

        if (Options.Offline)
        {
            if (options.Force)
            {
                throw new ClipSharpException(ClipErrorKind.NotCached, "cannot download again while the network is off (--offline / HF_HUB_OFFLINE)", entry.Repository);
            }

            return await ImportAsync(entry, options, cancellationToken).ConfigureAwait(false) ?? throw NotCached(entry, options.Variant);
        }

        using var gate = await _store.LockAsync(key, CatalogReference.Display(entry, options.Variant), "pull", options.Notice, cancellationToken).ConfigureAwait(false);
        if (anyCopy && _store.IsCached(key))
        {
            return Existing(key); // another pull finished while this one waited
        }

        try
        {
            var remote = await RevisionPinner.PinAsync(Client, _retry, entry.Repository, revision, files, options.Notice, cancellationToken).ConfigureAwait(false);
            if (!options.Force && options.Revision is not null && _store.ReadManifest(key) is { } manifest && remote[0].Commit is not null
                && manifest.Commit == remote[0].Commit && manifest.Files.Select(f => f.Hash).SequenceEqual(remote.Select(r => r.Hash)))
            {
                return Existing(key);
            }

            return await _assembler.AssembleAsync(entry, options, revision, remote, allowDownload: true, cancellationToken).ConfigureAwait(false);
        }
        catch (HubRequestFailure failure)
        {
            throw failure.ToException(entry.Repository);
        }
    }

    /// <summary>
    /// Loads a model's two towers once so that the optimised-model cache (<see cref="ClipModelOptions.OptimizedModelCache"/>)
    /// is written now rather than by the first use; skipped when the disk has less free space than the entries take.
    /// The outcome says whether anything was written.
    /// </summary>
    internal ModelPreparation PrepareOptimizedCache(string folder, string? variant = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return OptimizedCachePreparer.Prepare(folder, variant, _store);
    }

    /// <summary>Formats a byte count for people (e.g. 606 MB).</summary>
    internal static string FormatBytes(long bytes) => ByteCount.Format(bytes);

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    private ModelPullResult Existing(string key)
        => new(_store.ModelDirectory(key), _store.ReadManifest(key)?.Commit, _store.Usage(key).ModelBytes, 0, 0, AlreadyCached: true);

    private ClipSharpException NotCached(CatalogEntry entry, string? variant)
        => new(ClipErrorKind.NotCached,
            $"model {CatalogReference.Display(entry, variant)} is not in the cache ({ModelDirectory(entry, variant)}){(Options.HuggingFaceCacheDirectory is { } hf ? $" nor complete in the Hugging Face cache ({hf})" : "")} and the network is off (--offline / HF_HUB_OFFLINE); "
            + $"get it with 'clipsharp models pull {CatalogReference.Display(entry, variant)}' where the hub is reachable, or pass --model DIR with a downloaded folder");

    /// <summary>Offline: a catalog model from the user's Hugging Face cache, verified, or null when it is not complete there.</summary>
    private async Task<ModelPullResult?> ImportAsync(CatalogEntry entry, ModelPullOptions options, CancellationToken cancellationToken)
    {
        if (Options.HuggingFaceCacheDirectory is not { } root)
        {
            return null;
        }

        string revision = CatalogReference.CheckRevision(options.Revision ?? entry.Revision);
        var remote = new HuggingFaceCache(root).Snapshot(entry.Repository, revision, entry.FilesFor(options.Variant));
        if (remote is null)
        {
            return null;
        }

        string key = CatalogReference.Key(entry, options.Variant);
        using var gate = await _store.LockAsync(key, CatalogReference.Display(entry, options.Variant), "pull", options.Notice, cancellationToken).ConfigureAwait(false);
        if (options.Revision is null && _store.IsCached(key))
        {
            return Existing(key);
        }

        return await _assembler.AssembleAsync(entry, options, revision, remote, allowDownload: false, cancellationToken).ConfigureAwait(false);
    }
}
