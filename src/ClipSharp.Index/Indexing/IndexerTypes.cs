namespace ClipSharp.Index;

/// <summary>How an indexing run walks and commits.</summary>
public sealed record IndexerOptions
{
    /// <summary>Only files matching one of these globs (relative to the walked folder, or the file name) are indexed; empty = all.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Files and folders matching one of these globs are skipped (and removed from the index).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Changes per transaction (default 64): a crash loses at most this many files' work.</summary>
    public int CommitBatchSize { get; init; } = 64;

    /// <summary>Parallel hashing and header-reading workers (default: processor count).</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Images whose header claims more pixels are failed without decoding (default as the decoder's, 178 956 970).</summary>
    public long MaxPixels { get; init; } = 178_956_970;

    /// <summary>Retry failed files even when they have not changed since they failed.</summary>
    public bool RetryFailed { get; init; }

    /// <summary>A folder never walked (the index folder itself, when it lives inside a photo folder).</summary>
    public string? SkipFolder { get; init; }

    /// <summary>The model folder recorded in the index so later searches find the model (optional).</summary>
    public string? ModelFolder { get; init; }

    /// <summary>How the model was named (catalog name or folder), recorded in the index so later commands load it again (optional).</summary>
    public string? ModelReference { get; init; }
}

/// <summary>Progress of an indexing run.</summary>
/// <param name="Found">Files found by the walk so far.</param>
/// <param name="WalkComplete">True once the walk has finished (then <paramref name="ToProcess"/> is final).</param>
/// <param name="ToProcess">Files that needed work (new, changed, stale, or retried).</param>
/// <param name="Processed">Of those, how many are done (embedded + re-used + failed + not images or vanished).</param>
/// <param name="Embedded">Files embedded by the model.</param>
/// <param name="Reused">Files whose vector was re-used (moved, copied, or only touched).</param>
/// <param name="Failed">Files that failed.</param>
/// <param name="ImagesPerSecond">Embedding rate of this run.</param>
/// <param name="Eta">Estimated time left, once known.</param>
public sealed record IndexProgress(long Found, bool WalkComplete, long ToProcess, long Processed, long Embedded, long Reused, long Failed, double ImagesPerSecond, TimeSpan? Eta)
{
    /// <summary>Files found that needed no work (up to date, or failed before and unchanged since).</summary>
    public long Unchanged { get; init; }
}

/// <summary>What an indexing run did.</summary>
/// <param name="Found">Image and other files found by the walk.</param>
/// <param name="Unchanged">Files already up to date (not even read); failed files that have not changed are in <see cref="IndexRunResult.UnchangedFailed"/> instead.</param>
/// <param name="Embedded">Files embedded by the model.</param>
/// <param name="Reused">Files whose vector was re-used without embedding (moved, copied, or only touched).</param>
/// <param name="Failed">Files that failed in this run (see the store's failures for reasons).</param>
/// <param name="Skipped">Files that are not images (by content) and were left out.</param>
/// <param name="Deleted">Records removed because their files are gone or now excluded (including files deleted during the run).</param>
/// <param name="ModelChanged">True when the model or preprocessing changed, so vectors were rebuilt.</param>
/// <param name="Elapsed">Wall time.</param>
/// <remarks>The walk's counts add up: Found = Unchanged + UnchangedFailed + Embedded + Reused + Failed + Skipped + Vanished.</remarks>
public sealed record IndexRunResult(long Found, long Unchanged, long Embedded, long Reused, long Failed, long Skipped, long Deleted, bool ModelChanged, TimeSpan Elapsed)
{
    /// <summary>Files that failed before and have not changed since: not retried (see <see cref="IndexerOptions.RetryFailed"/>).</summary>
    public long UnchangedFailed { get; init; }

    /// <summary>Files the walk found that were deleted before they could be read (counted in <see cref="Deleted"/> too).</summary>
    public long Vanished { get; init; }

    /// <summary>Paths that are not regular files (FIFOs, sockets, devices, broken links): counted, never opened.</summary>
    public long NotRegular { get; init; }

    /// <summary>Second paths (links) to files or folders indexed under another path; each file is indexed once.</summary>
    public IReadOnlyList<IndexAlias> Aliases { get; init; } = [];

    /// <summary>Set when the index recorded its model under a former id and now records its content id (nothing was re-embedded for it).</summary>
    public ModelIdAdoption? AdoptedModelId { get; init; }
}
