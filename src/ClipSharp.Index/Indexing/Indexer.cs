using ClipSharp.Imaging;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace ClipSharp.Index;

/// <summary>
/// Brings an index up to date with folders. The walk is diffed against the store: new files are embedded;
/// changed ones (size or mtime, then content hash) re-embedded; files whose content is already indexed under
/// another path (moves, renames, copies) re-use that vector; vanished or excluded files are removed; a new model
/// or preprocessing rebuilds every vector. Per-file failures are recorded with their reason and never stop the run.
/// <para>
/// Pipeline: walk → bounded channel → parallel hash + header workers → bounded channel → batched embedding →
/// bounded channel → committer (one transaction per <see cref="IndexerOptions.CommitBatchSize"/> changes).
/// Memory is bounded by the channel capacities. Cancelling commits what is already embedded and stops; the next
/// run resumes. A kill loses at most the uncommitted batch.
/// </para>
/// </summary>
public sealed class Indexer
{
    private const int ChannelCapacity = 256;
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(250);

    private readonly IIndexStore _store;
    private readonly IClipEmbedder _embedder;
    private readonly IndexerOptions _options;

    /// <summary>Creates an indexer writing to <paramref name="store"/> with vectors from <paramref name="embedder"/>.</summary>
    public Indexer(IIndexStore store, IClipEmbedder embedder, IndexerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embedder);
        _store = store;
        _embedder = embedder;
        _options = options ?? new IndexerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.CommitBatchSize, 1, nameof(options));
    }

    /// <summary>Indexes <paramref name="folders"/> (each walked recursively). <paramref name="progress"/> hears of every commit, and at least every 250 ms while files are processed.</summary>
    /// <exception cref="ClipSharpException">A folder does not exist, or the store failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the work done so far is committed.</exception>
    public async Task<IndexRunResult> RunAsync(IReadOnlyList<string> folders, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var clock = Stopwatch.StartNew();
        var roots = folders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).Distinct(StringComparer.Ordinal).ToList();
        foreach (string root in roots)
        {
            if (!Directory.Exists(root))
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, "no such folder", root);
            }
        }

        var run = new RunState(_embedder, _options);
        // An index from a release before content ids keeps its vectors: it adopts the new id first (one transaction).
        var adopted = await ModelIdUpgrade.AdoptAsync(_store, _embedder, cancellationToken).ConfigureAwait(false);
        var existing = await _store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        bool modelChanged = existing is not null && existing.VectorKey != run.Metadata.VectorKey;
        if (existing is null || modelChanged || existing.Dimension != run.Metadata.Dimension
            || (run.Metadata.ModelFolder is not null && existing.ModelFolder != run.Metadata.ModelFolder)
            || (run.Metadata.ModelReference is not null && existing.ModelReference != run.Metadata.ModelReference))
        {
            await _store.SetMetadataAsync(run.Metadata, cancellationToken).ConfigureAwait(false);
        }

        await foreach (var f in _store.ListFilesAsync(false, cancellationToken).ConfigureAwait(false))
        {
            run.Known[f.Path] = new Known(f.Size, f.ModifiedUtc, f.Sha256, f.VectorKey);
            if (f.VectorKey == run.Metadata.VectorKey)
            {
                run.ShaIndexed.TryAdd(f.Sha256, f.Path);
            }
        }

        await foreach (var f in _store.ListFailuresAsync(cancellationToken).ConfigureAwait(false))
        {
            run.KnownFailures[f.Path] = f;
        }

        await foreach (var f in _store.ListNonImagesAsync(cancellationToken).ConfigureAwait(false))
        {
            run.KnownNonImages[f.Path] = f;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toCheck = Channel.CreateBounded<WalkedFile>(new BoundedChannelOptions(ChannelCapacity) { SingleWriter = true });
        var toEmbed = Channel.CreateBounded<Candidate>(new BoundedChannelOptions(ChannelCapacity) { SingleReader = true });
        var outcomes = Channel.CreateBounded<Outcome>(new BoundedChannelOptions(ChannelCapacity) { SingleReader = true });

        Task walk = Stage(stop, toCheck.Writer, () => WalkAsync(roots, run, toCheck.Writer, stop.Token));
        Task check = Stage(stop, toEmbed.Writer, () => CheckAsync(run, toCheck.Reader, toEmbed.Writer, outcomes.Writer, stop.Token));
        using var commitFailed = new CancellationTokenSource();
        Task embed = Stage<Outcome>(stop, null, () => EmbedAsync(run, toEmbed.Reader, outcomes.Writer, stop.Token, commitFailed.Token));
        Task producers = Task.WhenAll(check, embed).ContinueWith(_ => outcomes.Writer.TryComplete(), TaskScheduler.Default);
        Task commit = CommitAsync(run, outcomes.Reader, progress, clock).ContinueWith(async t =>
        {
            if (t.IsFaulted)
            {
                await commitFailed.CancelAsync().ConfigureAwait(false);
                await stop.CancelAsync().ConfigureAwait(false);
            }

            await t.ConfigureAwait(false);
        }, TaskScheduler.Default).Unwrap();

        try
        {
            await Task.WhenAll(walk, check, embed, producers, commit).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A stage stopped because another failed: report that failure below.
        }

        var failure = new[] { walk, check, embed, commit }.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
        if (failure is not null)
        {
            throw failure is ClipSharpException ? failure : new ClipSharpException(ClipErrorKind.Unknown, "indexing failed: " + failure.Message, null, failure);
        }

        cancellationToken.ThrowIfCancellationRequested();

        // The walk is complete: whatever the store holds under these folders that was not seen is gone (or excluded).
        long deleted = await DeleteVanishedAsync(roots, run, cancellationToken).ConfigureAwait(false);
        progress?.Report(run.Snapshot(clock, final: true));
        return new IndexRunResult(run.Found, run.Unchanged, run.Embedded, run.Reused, run.Failed, run.Skipped, deleted + run.Vanished, modelChanged, clock.Elapsed)
        {
            AdoptedModelId = adopted,
            UnchangedFailed = run.UnchangedFailed,
            Vanished = run.Vanished,
            NotRegular = run.Walker?.Special.Count ?? 0,
            Aliases = run.Walker?.Aliases.ToList() ?? [],
        };
    }

    private static Task Stage<T>(CancellationTokenSource stop, ChannelWriter<T>? output, Func<Task> body) => Task.Run(async () =>
    {
        try
        {
            await body().ConfigureAwait(false);
            output?.TryComplete();
        }
        catch (Exception ex)
        {
            output?.TryComplete(ex is OperationCanceledException ? null : ex);
            if (ex is not OperationCanceledException)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            throw;
        }
    });

    private async Task WalkAsync(List<string> roots, RunState run, ChannelWriter<WalkedFile> output, CancellationToken token)
    {
        var walker = new FolderWalker(_options.Include, _options.Exclude, _options.SkipFolder);
        run.Walker = walker;
        foreach (var file in walker.Walk(roots, token))
        {
            if (!run.Seen.Add(file.Path))
            {
                continue;
            }

            Interlocked.Increment(ref run.Found);
            if (run.Known.TryGetValue(file.Path, out var k) && k.Size == file.Size && k.ModifiedUtc == file.ModifiedUtc && k.VectorKey == run.Metadata.VectorKey)
            {
                Interlocked.Increment(ref run.Unchanged);
                continue;
            }

            // Not an image when last read and unchanged since: not read again (the model does not matter here).
            if (run.KnownNonImages.TryGetValue(file.Path, out var other) && other.Size == file.Size && other.ModifiedUtc == file.ModifiedUtc)
            {
                Interlocked.Increment(ref run.Unchanged);
                continue;
            }

            if (!_options.RetryFailed && run.KnownFailures.TryGetValue(file.Path, out var failed)
                && failed.Size == file.Size && failed.ModifiedUtc == file.ModifiedUtc && failed.VectorKey == run.Metadata.VectorKey)
            {
                Interlocked.Increment(ref run.UnchangedFailed);
                continue;
            }

            Interlocked.Increment(ref run.ToProcess);
            await output.WriteAsync(file, token).ConfigureAwait(false);
        }

        run.WalkComplete = true;
    }

    private async Task CheckAsync(RunState run, ChannelReader<WalkedFile> input, ChannelWriter<Candidate> embed, ChannelWriter<Outcome> outcomes, CancellationToken token)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Workers), CancellationToken = token };
        await Parallel.ForEachAsync(input.ReadAllAsync(token), parallel, async (file, ct) =>
        {
            var outcome = await CheckFileAsync(run, file, ct).ConfigureAwait(false);
            if (outcome is Candidate candidate)
            {
                await embed.WriteAsync(candidate, ct).ConfigureAwait(false);
            }
            else if (outcome is Outcome done)
            {
                await outcomes.WriteAsync(done, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    private async Task<object?> CheckFileAsync(RunState run, WalkedFile file, CancellationToken token)
    {
        string sha;
        ImageInfo probe;
        try
        {
            (sha, probe) = await HashAndProbeAsync(file.Path, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted since the walk saw it: gone, as if the walk had not seen it (its record, if any, is removed).
            Interlocked.Increment(ref run.Vanished);
            return new Outcome(null, null, file.Path, OutcomeKind.Vanished);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(run, file, "io: " + ex.Message);
        }

        if (!probe.IsImage)
        {
            if (file.Size == 0 && ImageProbe.HasImageExtension(file.Path))
            {
                return Fail(run, file, "empty file: 0 bytes");
            }

            if (ImageProbe.HasImageExtension(file.Path))
            {
                return Fail(run, file, "unknown format: the content is not an image of any known format");
            }

            Interlocked.Increment(ref run.Skipped);
            return new Outcome(null, null, null, OutcomeKind.Skipped) { NonImage = new NonImageFile(file.Path, file.Size, file.ModifiedUtc) };
        }

        if ((long)probe.Width * probe.Height > _options.MaxPixels)
        {
            return Fail(run, file, string.Create(CultureInfo.InvariantCulture,
                $"too large: the {probe.Format} header claims {probe.Width}×{probe.Height} pixels, over the limit of {_options.MaxPixels}"));
        }

        var candidate = new Candidate(file, sha, probe);
        string key = run.Metadata.VectorKey;

        // Same content already embedded with this model: at this path (touched only) or another (moved, copied).
        if (run.Known.TryGetValue(file.Path, out var known) && known.Sha256 == sha && known.VectorKey == key)
        {
            var same = await _store.GetByPathAsync(file.Path, true, token).ConfigureAwait(false);
            if (same?.Embedding is { } vector && same.VectorKey == key)
            {
                Interlocked.Increment(ref run.Reused);
                return new Outcome(candidate.ToRecord(vector, key), null, null, OutcomeKind.Reused);
            }
        }

        if (run.ShaIndexed.ContainsKey(sha))
        {
            foreach (var twin in await _store.GetBySha256Async(sha, token).ConfigureAwait(false))
            {
                if (twin.VectorKey == key && twin.Embedding is { Length: > 0 } vector && vector.Length == run.Metadata.Dimension)
                {
                    Interlocked.Increment(ref run.Reused);
                    return new Outcome(candidate.ToRecord(vector, key), null, null, OutcomeKind.Reused);
                }
            }
        }

        return candidate;
    }

    private static async Task<(string Sha256, ImageInfo Probe)> HashAndProbeAsync(string path, CancellationToken token)
    {
        // The walk reported a regular file; it may have been replaced since. Opening a FIFO would block until a writer
        // comes, so only a regular file is opened.
        var status = FileStatus.Of(path);
        if (status.Kind == FileKind.Missing)
        {
            throw new FileNotFoundException("file not found", path);
        }

        if (status.Kind != FileKind.Regular)
        {
            throw new IOException("not a regular file (a FIFO, socket, device or folder); it is not opened");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] header = new byte[ImageProbe.HeaderBytes];
            int headerLength = 0;
            while (headerLength < header.Length)
            {
                int n = await stream.ReadAsync(header.AsMemory(headerLength), token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                headerLength += n;
            }

            hash.AppendData(header, 0, headerLength);
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            return (Convert.ToHexStringLower(hash.GetHashAndReset()), ImageProbe.Probe(header.AsSpan(0, headerLength)));
        }
    }

    /// <summary>
    /// The embedding loop runs on its own thread and blocks there: inference is long, CPU-bound work that must not
    /// starve the thread pool the other stages (and the committer) run on.
    /// </summary>
    private Task EmbedAsync(RunState run, ChannelReader<Candidate> input, ChannelWriter<Outcome> outcomes, CancellationToken token, CancellationToken commitFailed)
        => Task.Factory.StartNew(() => EmbedLoop(run, input, outcomes, token, commitFailed), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void EmbedLoop(RunState run, ChannelReader<Candidate> input, ChannelWriter<Outcome> outcomes, CancellationToken token, CancellationToken commitFailed)
    {
        int batchSize = Math.Max(1, _embedder.PreferredBatchSize);
        var batch = new List<Candidate>(batchSize);
        while (input.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < batchSize && input.TryRead(out var c))
            {
                batch.Add(c);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            var results = EmbedBatch(run, batch, token);

            // Everything embedded is committed, even when cancellation arrives now: that work is done.
            for (int i = 0; i < batch.Count; i++)
            {
                var r = results[i];
                Outcome outcome;
                if (r.Embedding is { } vector)
                {
                    if (vector.Length != run.Metadata.Dimension)
                    {
                        throw new InvalidOperationException($"The embedder returned {vector.Length} values, not {run.Metadata.Dimension}.");
                    }

                    Interlocked.Increment(ref run.Embedded);
                    outcome = new Outcome(batch[i].ToRecord(vector, run.Metadata.VectorKey), null, null, OutcomeKind.Embedded);
                }
                else
                {
                    outcome = Fail(run, batch[i].File, Reason(r.Error));
                }

                if (!outcomes.TryWrite(outcome))
                {
                    outcomes.WriteAsync(outcome, commitFailed).AsTask().GetAwaiter().GetResult();
                }
            }
        }
    }

    /// <summary>
    /// Embeds a batch. An unexpected exception (a decoder bug on one odd file) must not stop the run: the batch is
    /// retried file by file and the file that throws is failed with the message. If nothing has been embedded yet
    /// and files keep throwing, the embedder itself is broken: that stops the run instead of failing every file.
    /// </summary>
    private IReadOnlyList<ImageEmbeddingResult> EmbedBatch(RunState run, List<Candidate> batch, CancellationToken token)
    {
        try
        {
            var results = _embedder.EmbedImageFiles(batch.Select(c => c.File.Path).ToList(), token);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"The embedder returned {results.Count} results for {batch.Count} files.");
            }

            return results;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && batch.Count > 1)
        {
            return batch.Select(c => EmbedBatch(run, [c], token)[0]).ToList();
        }
        catch (Exception caught) when (caught is not OperationCanceledException and not ClipSharpException)
        {
            var ex = caught is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : caught;
            if (Interlocked.Read(ref run.Embedded) == 0 && Interlocked.Increment(ref run.Unexpected) >= 8)
            {
                throw new ClipSharpException(ClipErrorKind.Inference, "the embedder fails on every file: " + ex.Message, batch[0].File.Path, ex);
            }

            return [new ImageEmbeddingResult(batch[0].File.Path, null, new ClipSharpException(ClipErrorKind.Unknown, ex.GetType().Name + ": " + ex.Message, batch[0].File.Path, ex))];
        }
    }

    private async Task CommitAsync(RunState run, ChannelReader<Outcome> input, IProgress<IndexProgress>? progress, Stopwatch clock)
    {
        var batch = new IndexBatch();
        var lastReport = TimeSpan.Zero;
        await foreach (var outcome in input.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (outcome.Record is { } record)
            {
                batch.Upserts.Add(record);
            }
            else if (outcome.Failure is { } failure)
            {
                batch.Failures.Add(failure);
            }
            else if (outcome.Delete is { } path)
            {
                batch.Deletes.Add(path);
            }
            else if (outcome.NonImage is { } nonImage)
            {
                batch.NonImages.Add(nonImage);
            }

            run.Count(outcome.Kind);
            bool committed = false;
            if (batch.Count >= _options.CommitBatchSize)
            {
                await _store.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false);
                batch = new IndexBatch();
                committed = true;
            }

            // Every commit is reported; between commits, at most every interval.
            if (progress is not null && (committed || clock.Elapsed - lastReport >= s_progressInterval))
            {
                lastReport = clock.Elapsed;
                progress.Report(run.Snapshot(clock, final: false));
            }
        }

        await _store.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<long> DeleteVanishedAsync(List<string> roots, RunState run, CancellationToken token)
    {
        var prefixes = roots.Select(r => r + Path.DirectorySeparatorChar).ToList();
        bool Under(string path) => prefixes.Exists(p => path.StartsWith(p, StringComparison.Ordinal));
        var gone = run.Known.Keys.Concat(run.KnownFailures.Keys).Concat(run.KnownNonImages.Keys).Where(p => Under(p) && !run.Seen.Contains(p)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        for (int i = 0; i < gone.Count; i += _options.CommitBatchSize)
        {
            var batch = new IndexBatch();
            batch.Deletes.AddRange(gone.Skip(i).Take(_options.CommitBatchSize));
            await _store.CommitAsync(batch, token).ConfigureAwait(false);
        }

        return run.Known.Keys.Count(p => Under(p) && !run.Seen.Contains(p));
    }

    private static Outcome Fail(RunState run, WalkedFile file, string reason)
    {
        Interlocked.Increment(ref run.Failed);
        return new Outcome(null, new IndexFailure(file.Path, reason, file.Size, file.ModifiedUtc, run.Metadata.VectorKey), null, OutcomeKind.Failed);
    }

    /// <summary>A failure reason in words: the kind, then the detail.</summary>
    internal static string Reason(ClipSharpException? error)
    {
        if (error is null)
        {
            return "unknown: no embedding and no error";
        }

        string kind = error.Kind switch
        {
            ClipErrorKind.CorruptImage => "corrupt image",
            ClipErrorKind.UnsupportedFormat => "unsupported format",
            ClipErrorKind.UnknownFormat => "unknown format",
            ClipErrorKind.ImageTooLarge => "too large",
            ClipErrorKind.Io => "io",
            ClipErrorKind.InvalidInput => "invalid input",
            ClipErrorKind.Inference => "inference",
            _ => "error",
        };
        // Decoder messages often say it already ("unsupported image format: AVIF"): don't say it twice.
        string firstWord = kind.Split(' ')[0];
        return error.Detail.Contains(kind, StringComparison.OrdinalIgnoreCase) || error.Detail.StartsWith(firstWord, StringComparison.OrdinalIgnoreCase)
            ? error.Detail
            : kind + ": " + error.Detail;
    }

    private sealed record Known(long Size, DateTime ModifiedUtc, string Sha256, string VectorKey);

    private sealed record Candidate(WalkedFile File, string Sha256, ImageInfo Probe)
    {
        public IndexedFile ToRecord(float[] vector, string key) => new()
        {
            Path = File.Path,
            Size = File.Size,
            ModifiedUtc = File.ModifiedUtc,
            Sha256 = Sha256,
            Width = Probe.DisplayWidth,
            Height = Probe.DisplayHeight,
            TakenAt = Probe.TakenAt,
            VectorKey = key,
            Embedding = vector,
        };
    }

    private enum OutcomeKind
    {
        Embedded,
        Reused,
        Failed,
        Skipped,
        Vanished,
    }

    /// <summary>What became of one file that needed work; the committer counts them, so progress matches what happened.</summary>
    private sealed record Outcome(IndexedFile? Record, IndexFailure? Failure, string? Delete, OutcomeKind Kind)
    {
        /// <summary>A file recorded as not an image (replacing any record of its path).</summary>
        public NonImageFile? NonImage { get; init; }
    }

    private sealed class RunState(IClipEmbedder embedder, IndexerOptions options)
    {
        public readonly IndexMetadata Metadata = new(embedder.ModelId, embedder.PreprocessFingerprint, embedder.Dimension,
            options.ModelFolder ?? (embedder as ClipModelEmbedder)?.ModelFolder)
        {
            ModelReference = options.ModelReference,
        };

        public readonly Dictionary<string, Known> Known = new(StringComparer.Ordinal);
        public readonly Dictionary<string, IndexFailure> KnownFailures = new(StringComparer.Ordinal);
        public readonly Dictionary<string, NonImageFile> KnownNonImages = new(StringComparer.Ordinal);
        public readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ShaIndexed = new(StringComparer.Ordinal);
        public readonly HashSet<string> Seen = new(StringComparer.Ordinal);
        public long Found;
        public long Unchanged;
        public long ToProcess;
        public long Embedded;
        public long Reused;
        public long Failed;
        public long Skipped;
        public long Unexpected;
        public long UnchangedFailed;
        public long Vanished;
        public volatile bool WalkComplete;
        public FolderWalker? Walker;

        // Counted by the committer as outcomes arrive (one reader), read by progress reports.
        private long _doneEmbedded;
        private long _doneReused;
        private long _doneFailed;
        private long _doneOther;

        public void Count(OutcomeKind kind)
        {
            switch (kind)
            {
                case OutcomeKind.Embedded: Interlocked.Increment(ref _doneEmbedded); break;
                case OutcomeKind.Reused: Interlocked.Increment(ref _doneReused); break;
                case OutcomeKind.Failed: Interlocked.Increment(ref _doneFailed); break;
                default: Interlocked.Increment(ref _doneOther); break;
            }
        }

        /// <summary>
        /// Progress as the committer has seen it: processed = embedded + re-used + failed + other (not images, vanished),
        /// so the numbers of one report always add up.
        /// </summary>
        public IndexProgress Snapshot(Stopwatch clock, bool final)
        {
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            long embedded = Interlocked.Read(ref _doneEmbedded), reused = Interlocked.Read(ref _doneReused), failed = Interlocked.Read(ref _doneFailed);
            long processed = embedded + reused + failed + Interlocked.Read(ref _doneOther);
            double rate = embedded / seconds;
            long toProcess = Interlocked.Read(ref ToProcess);
            double doneRate = processed / seconds;
            TimeSpan? eta = final ? TimeSpan.Zero : WalkComplete && doneRate > 0 ? TimeSpan.FromSeconds((toProcess - processed) / doneRate) : null;
            return new IndexProgress(Interlocked.Read(ref Found), WalkComplete || final, toProcess, processed, embedded, reused, failed, rate, eta)
            {
                Unchanged = Interlocked.Read(ref Unchanged) + Interlocked.Read(ref UnchangedFailed),
            };
        }
    }
}
