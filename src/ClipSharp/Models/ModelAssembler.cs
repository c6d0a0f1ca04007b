namespace ClipSharp.Models;

/// <summary>
/// The last step of a pull or an offline import: every file of a model at its pinned commit is made present and
/// verified in the model's staging folder (reused from disk through <see cref="FileSources"/>, else downloaded by
/// <see cref="FileDownloader"/> and checked by <see cref="FileVerifier"/>), then the model folder is assembled from them
/// with its manifest and published into the <see cref="ModelStore"/>.
/// </summary>
internal sealed class ModelAssembler
{
    private readonly ModelHubOptions _options;
    private readonly ModelStore _store;
    private readonly RetryPolicy _retry;
    private readonly Func<HubClient> _client;

    /// <param name="options">The hub's options (Hugging Face cache, download settings).</param>
    /// <param name="store">The model cache.</param>
    /// <param name="retry">How transient download failures are retried.</param>
    /// <param name="client">The HTTP client, asked for on the first download only (an offline import never touches HTTP).</param>
    public ModelAssembler(ModelHubOptions options, ModelStore store, RetryPolicy retry, Func<HubClient> client)
    {
        _options = options;
        _store = store;
        _retry = retry;
        _client = client;
    }

    /// <summary>
    /// Makes every file present and verified in the staging folder (reusing, else downloading), assembles the model
    /// folder from them with its manifest, and publishes it. The caller holds the model's lock.
    /// </summary>
    public async Task<ModelPullResult> AssembleAsync(CatalogEntry entry, ModelPullOptions options, string revision, IReadOnlyList<RemoteFile> remote,
        bool allowDownload, CancellationToken cancellationToken)
    {
        string key = CatalogReference.Key(entry, options.Variant);
        string label = CatalogReference.Display(entry, options.Variant);
        string staging = _store.StagingDirectory(key);
        _store.PrepareStaging(key, remote.Select(r => r.Hash));
        var hfCache = _options.HuggingFaceCacheDirectory is { } root ? new HuggingFaceCache(root) : null;
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
                    $"{file.Path} of {label} in the Hugging Face cache does not match its checksum, and the network is off (--offline / HF_HUB_OFFLINE)", _options.HuggingFaceCacheDirectory);
            }
            else
            {
                downloader ??= new FileDownloader(_client(), _retry, _options);
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
            options.Notice?.Invoke($"reused {ByteCount.Format(reusedFromHf)} of {label} from the Hugging Face cache {hfCache!.Root} (verified)");
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
}
