using System.Diagnostics;
using System.Globalization;

namespace ClipSharp.Models;

/// <summary>
/// Downloads catalog models from the Hugging Face hub (or a mirror) into a local cache, and finds them there. A pull
/// resolves the revision to one commit and fetches every file at it; each file is verified against the checksum the
/// hub publishes (SHA-256 of LFS files, the git blob SHA-1 of small files) before it can reach the model folder, which
/// appears only once all of them are verified. Files already on disk (an interrupted pull, another cached model, the
/// user's Hugging Face cache) are verified and reused instead of downloaded; interrupted downloads resume with HTTP
/// ranges; transient failures are retried with backoff; concurrent pulls of one model (threads or processes) wait for
/// each other. The jobs are split: <see cref="ModelCatalog"/> (what exists), <see cref="HubClient"/> (HTTP, tokens,
/// redirects), <see cref="FileDownloader"/> (one file, resumed and retried), <see cref="ModelStore"/> and
/// <see cref="CacheLock"/> (the cache on disk), <see cref="FileVerifier"/> (checksums); this class puts them together.
/// </summary>
public sealed class ModelHub : IDisposable
{
    /// <summary>The file inside a cached model folder that records where it came from; its presence marks a complete model.</summary>
    public const string ManifestFileName = ModelStore.ManifestFileName;

    private readonly ModelStore _store;
    private readonly RetryPolicy _retry;
    private readonly Lazy<HubClient> _client;

    private ModelHub(ModelHubOptions options)
    {
        Options = options;
        _store = new ModelStore(options);
        _retry = new RetryPolicy(options);
        _client = new Lazy<HubClient>(() => HubClient.Create(options));
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
        return _store.ModelDirectory(Key(entry, variant));
    }

    /// <summary>True when the model is completely in the cache.</summary>
    public bool IsCached(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.IsCached(Key(entry, variant));
    }

    /// <summary>
    /// The space a cached model takes: its own files (what <see cref="PullAsync"/> reports) and, apart, its
    /// optimised-model cache entries; zero when it is not cached.
    /// </summary>
    public ModelDiskUsage GetDiskUsage(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.Usage(Key(entry, variant));
    }

    /// <summary>The manifest of a cached model (what was fetched, from which commit), or null.</summary>
    public CachedModelManifest? ReadManifest(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _store.ReadManifest(Key(entry, variant));
    }

    /// <summary>
    /// Removes a cached model and its partial downloads; false when nothing was there. Waits (saying so through
    /// <paramref name="notice"/>) while another process pulls the same model.
    /// </summary>
    /// <exception cref="ClipSharpException">The cache cannot be written, or the wait gave up.</exception>
    public async Task<bool> RemoveAsync(CatalogEntry entry, string? variant = null, Action<string>? notice = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string key = Key(entry, variant);
        if (!_store.HasAnything(key))
        {
            return false;
        }

        using var gate = await _store.LockAsync(key, Display(entry, variant), "removal", notice, cancellationToken).ConfigureAwait(false);
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

        var (entry, variant) = FindCatalogEntry(reference);
        if (Options.Offline)
        {
            var imported = await ImportAsync(entry, new ModelPullOptions { Variant = variant, Notice = notice }, cancellationToken).ConfigureAwait(false);
            return imported is null ? throw NotCached(entry, variant) : new ResolvedModel(imported.Folder, entry, variant);
        }

        notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"downloading {Display(entry, variant)} from {entry.Repository} (about {FormatBytes(entry.ApproximateBytesFor(variant))}) into {ModelDirectory(entry, variant)}"));
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

        var (entry, variant) = FindCatalogEntry(reference);
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
        string key = Key(entry, options.Variant);
        string revision = CheckRevision(options.Revision ?? entry.Revision);
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

        using var gate = await _store.LockAsync(key, Display(entry, options.Variant), "pull", options.Notice, cancellationToken).ConfigureAwait(false);
        if (anyCopy && _store.IsCached(key))
        {
            return Existing(key); // another pull finished while this one waited
        }

        try
        {
            var remote = await PinAsync(entry.Repository, revision, files, options.Notice, cancellationToken).ConfigureAwait(false);
            if (!options.Force && options.Revision is not null && _store.ReadManifest(key) is { } manifest && remote[0].Commit is not null
                && manifest.Commit == remote[0].Commit && manifest.Files.Select(f => f.Hash).SequenceEqual(remote.Select(r => r.Hash)))
            {
                return Existing(key);
            }

            return await AssembleAsync(entry, options, revision, remote, allowDownload: true, cancellationToken).ConfigureAwait(false);
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
    public ModelPreparation PrepareOptimizedCache(string folder, string? variant = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var options = new ClipModelOptions { Variant = variant };
        if (!options.OptimizedModelCache)
        {
            return new ModelPreparation(OptimizedCacheOutcome.Disabled, 0, 0, TimeSpan.Zero);
        }

        long existing = OptimizedModelCache.BytesFor(folder, _store.SharedOptimizedDirectories());
        long needed = OptimizedModelCache.EstimatedEntryBytes(OnnxBytes(folder));
        if (existing == 0 && ModelStore.FreeBytes(options.OptimizedModelCacheDirectory ?? folder) is long free && free < needed)
        {
            return new ModelPreparation(OptimizedCacheOutcome.NoSpace, 0, needed, TimeSpan.Zero);
        }

        var clock = Stopwatch.StartNew();
        OptimizedModelCacheUse vision, text;
        using (var model = ClipModel.Load(folder, options))
        {
            model.Warm();
            (vision, text) = (model.VisionTower.CacheUse, model.TextTower.CacheUse);
        }

        var outcome = (vision, text) switch
        {
            _ when vision == OptimizedModelCacheUse.NotWritten || text == OptimizedModelCacheUse.NotWritten => OptimizedCacheOutcome.NotWritten,
            _ when vision == OptimizedModelCacheUse.Written || text == OptimizedModelCacheUse.Written => OptimizedCacheOutcome.Written,
            (OptimizedModelCacheUse.Loaded, OptimizedModelCacheUse.Loaded) => OptimizedCacheOutcome.AlreadyPresent,
            _ => OptimizedCacheOutcome.Disabled,
        };
        return new ModelPreparation(outcome, OptimizedModelCache.BytesFor(folder, _store.SharedOptimizedDirectories()), needed, clock.Elapsed);
    }

    /// <summary>Formats a byte count for people (e.g. 606 MB).</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0} MB"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    private static string Display(CatalogEntry entry, string? variant) => variant is null ? entry.Name : entry.Name + ":" + variant;

    private static string Key(CatalogEntry entry, string? variant) => variant is null ? entry.Name : entry.Name + "." + variant;

    private static (CatalogEntry Entry, string? Variant) FindCatalogEntry(string reference)
    {
        string? variant = null;
        var entry = ModelCatalog.Find(reference);
        if (entry is null)
        {
            (string name, variant) = ModelCatalog.ParseReference(reference);
            entry = ModelCatalog.Find(name);
        }

        if (entry is null)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"no model folder or catalog model of that name; catalog models: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))} (see 'clipsharp models list')", reference);
        }

        _ = entry.FilesFor(variant);
        return (entry, variant);
    }

    /// <summary>A revision as the hub names them (branch, tag, commit, <c>refs/pr/N</c>): no path tricks, no control characters.</summary>
    private static string CheckRevision(string revision)
    {
        string r = revision.Trim();
        if (r.Length == 0 || r.Length > 255 || r.StartsWith('/') || r.EndsWith('/') || r.Split('/').Any(part => part is "" or "." or "..")
            || r.Any(c => char.IsControl(c) || c is '\\' or ':' or '?' or '#' or '%' or ' '))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "not a usable revision (a branch, tag or commit hash)", revision);
        }

        return r;
    }

    private ModelPullResult Existing(string key)
        => new(_store.ModelDirectory(key), _store.ReadManifest(key)?.Commit, _store.Usage(key).ModelBytes, 0, 0, AlreadyCached: true);

    private ClipSharpException NotCached(CatalogEntry entry, string? variant)
        => new(ClipErrorKind.NotCached,
            $"model {Display(entry, variant)} is not in the cache ({ModelDirectory(entry, variant)}){(Options.HuggingFaceCacheDirectory is { } hf ? $" nor complete in the Hugging Face cache ({hf})" : "")} and the network is off (--offline / HF_HUB_OFFLINE); "
            + $"get it with 'clipsharp models pull {Display(entry, variant)}' where the hub is reachable, or pass --model DIR with a downloaded folder");

    /// <summary>
    /// The files' metadata, all at one commit: the first file's <c>X-Repo-Commit</c> (else the hub's revision API) pins
    /// the commit, and the others are asked for at that commit; a hub that answers from another commit is refused.
    /// </summary>
    private async Task<IReadOnlyList<RemoteFile>> PinAsync(string repository, string revision, IReadOnlyList<string> files, Action<string>? notice, CancellationToken cancellationToken)
    {
        Task<RemoteFile> Head(string at, string path) => _retry.RunAsync(t => Client.GetMetadataAsync(repository, at, path, t), notice, cancellationToken);

        var first = await Head(revision, files[0]).ConfigureAwait(false);
        string? commit = first.Commit;
        if (commit is null)
        {
            commit = await _retry.RunAsync(t => Client.GetCommitAsync(repository, revision, t), notice, cancellationToken).ConfigureAwait(false);
            if (commit is not null && commit != revision)
            {
                first = await Head(commit, files[0]).ConfigureAwait(false); // the revision may have moved between the two requests
            }
            else if (commit is null)
            {
                notice?.Invoke($"{Client.Endpoint} does not say which commit it serves (no X-Repo-Commit, no revision API): the files of {repository} are fetched from '{revision}' one by one");
            }
        }

        var remote = new List<RemoteFile>(files.Count) { first with { Commit = commit } };
        foreach (string path in files.Skip(1))
        {
            var file = await Head(commit ?? revision, path).ConfigureAwait(false);
            if (commit is not null && file.Commit is not null && file.Commit != commit)
            {
                throw new ClipSharpException(ClipErrorKind.Download,
                    $"the hub answered for {path} from commit {file.Commit} although the pull is pinned to commit {commit}; refusing to mix commits", repository);
            }

            remote.Add(file with { Commit = commit });
        }

        return remote;
    }

    /// <summary>Offline: a catalog model from the user's Hugging Face cache, verified, or null when it is not complete there.</summary>
    private async Task<ModelPullResult?> ImportAsync(CatalogEntry entry, ModelPullOptions options, CancellationToken cancellationToken)
    {
        if (Options.HuggingFaceCacheDirectory is not { } root)
        {
            return null;
        }

        string revision = CheckRevision(options.Revision ?? entry.Revision);
        var remote = new HuggingFaceCache(root).Snapshot(entry.Repository, revision, entry.FilesFor(options.Variant));
        if (remote is null)
        {
            return null;
        }

        string key = Key(entry, options.Variant);
        using var gate = await _store.LockAsync(key, Display(entry, options.Variant), "pull", options.Notice, cancellationToken).ConfigureAwait(false);
        if (options.Revision is null && _store.IsCached(key))
        {
            return Existing(key);
        }

        return await AssembleAsync(entry, options, revision, remote, allowDownload: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes every file present and verified in the staging folder (reusing, else downloading), assembles the model
    /// folder from them with its manifest, and publishes it. The caller holds the model's lock.
    /// </summary>
    private async Task<ModelPullResult> AssembleAsync(CatalogEntry entry, ModelPullOptions options, string revision, IReadOnlyList<RemoteFile> remote,
        bool allowDownload, CancellationToken cancellationToken)
    {
        string key = Key(entry, options.Variant);
        string label = Display(entry, options.Variant);
        string staging = _store.StagingDirectory(key);
        _store.PrepareStaging(key, remote.Select(r => r.Hash));
        var hfCache = Options.HuggingFaceCacheDirectory is { } root ? new HuggingFaceCache(root) : null;
        var sources = new FileSources(_store, hfCache, entry.Repository, options.Force);

        long toDownload = remote.Where(r => !sources.MayHave(r, staging)).Sum(r => Math.Max(0, (r.Size ?? 0) - Length(Incomplete(staging, r))));
        long optimized = options.CountOptimizedCache
            ? OptimizedModelCache.EstimatedEntryBytes(remote.Where(r => r.Path.EndsWith(".onnx", StringComparison.Ordinal)).Sum(r => r.Size ?? 0))
            : 0;
        _store.EnsureFreeSpace(toDownload, optimized, label, options.Notice);

        var progress = new PullProgress(label, remote.Sum(r => r.Size ?? 0), options.Progress);
        FileDownloader? downloader = null; // created on the first download: an offline import never touches HTTP
        long reusedFromHf = 0;
        var verified = new List<RemoteFile>(remote.Count);
        foreach (var file in remote)
        {
            string blob = Path.Combine(staging, file.Hash);
            var reused = await sources.TryPlaceAsync(file, blob, options.Notice, cancellationToken).ConfigureAwait(false);
            if (reused is not null)
            {
                long length = Length(blob);
                progress.Reused(file.Path, length, fromElsewhere: reused != FileSources.Staged);
                reusedFromHf += reused == FileSources.HuggingFace ? length : 0;
            }
            else if (!allowDownload)
            {
                throw new ClipSharpException(ClipErrorKind.NotCached,
                    $"{file.Path} of {label} in the Hugging Face cache does not match its checksum, and the network is off (--offline / HF_HUB_OFFLINE)", Options.HuggingFaceCacheDirectory);
            }
            else
            {
                downloader ??= new FileDownloader(Client, _retry, Options);
                await DownloadVerifiedAsync(downloader, entry.Repository, file.Commit ?? revision, file, blob, progress, options, cancellationToken).ConfigureAwait(false);
            }

            verified.Add(file with { Size = Length(blob) });
        }

        string assembled = Path.Combine(staging, "assembled-" + Guid.NewGuid().ToString("N"));
        foreach (var file in verified)
        {
            string destination = Path.Combine([assembled, .. file.Path.Split('/')]);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            await FileLinker.LinkOrCopyAsync(Path.Combine(staging, file.Hash), destination, cancellationToken).ConfigureAwait(false);
        }

        ModelStore.WriteManifest(assembled, entry, options.Variant, revision, verified);
        _store.Publish(key, assembled);
        _store.ClearStaging(key);
        progress.Finished();
        if (reusedFromHf > 0)
        {
            options.Notice?.Invoke($"reused {FormatBytes(reusedFromHf)} of {label} from the Hugging Face cache {hfCache!.Root} (verified)");
        }

        return new ModelPullResult(_store.ModelDirectory(key), verified[0].Commit, _store.Usage(key).ModelBytes, progress.Downloaded, progress.ReusedElsewhere, AlreadyCached: false);
    }

    /// <summary>
    /// Downloads a file into its <c>.incomplete</c> staging file, verifies it, and names it by its checksum. A mismatch is
    /// discarded; when part of the file came from an earlier pull (damaged on disk since, say) it is fetched once more
    /// from the start, otherwise the mismatch is the error.
    /// </summary>
    private static async Task DownloadVerifiedAsync(FileDownloader downloader, string repository, string revision, RemoteFile file, string blob, PullProgress progress,
        ModelPullOptions options, CancellationToken cancellationToken)
    {
        string incomplete = blob + ".incomplete";
        if (options.Force)
        {
            File.Delete(incomplete);
        }

        while (true)
        {
            long resumed = Length(incomplete);
            progress.Resumed(file.Path, resumed);
            var from = await downloader.DownloadAsync(new FileDownloader.Request(repository, revision, file), incomplete, bytes => progress.Downloading(file.Path, bytes),
                options.Notice, cancellationToken).ConfigureAwait(false);
            string actual = await FileVerifier.HashAsync(incomplete, file.Hash, cancellationToken).ConfigureAwait(false);
            if (actual == file.Hash)
            {
                File.Move(incomplete, blob, overwrite: true);
                return;
            }

            progress.Downloading(file.Path, -Length(incomplete));
            File.Delete(incomplete);
            if (resumed == 0)
            {
                throw new ClipSharpException(ClipErrorKind.ChecksumMismatch,
                    $"checksum mismatch for {file.Path} from {HubClient.Display(from)}: the hub publishes {file.Hash}, the download has {actual}; the file was discarded and nothing was cached", repository);
            }

            options.Notice?.Invoke($"{file.Path}, resumed from an earlier pull, does not match its checksum; downloading it again from the start");
        }
    }

    private static string Incomplete(string staging, RemoteFile file) => Path.Combine(staging, file.Hash + ".incomplete");

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>Bytes of the ONNX files of a model folder (without optimised-cache entries inside it).</summary>
    private static long OnnxBytes(string folder)
        => new DirectoryInfo(folder).EnumerateFiles("*.onnx", SearchOption.AllDirectories)
            .Where(f => !f.FullName.Contains(Path.DirectorySeparatorChar + OptimizedModelCache.BesideFolderName + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Sum(f => f.Length);
}
