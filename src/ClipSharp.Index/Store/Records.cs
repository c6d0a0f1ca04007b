namespace ClipSharp.Index;

/// <summary>What an index was built with.</summary>
/// <param name="ModelId">Identifies the model weights (name and a fingerprint of its files).</param>
/// <param name="PreprocessFingerprint">Identifies the image decoding and preprocessing; a change means every vector is rebuilt.</param>
/// <param name="Dimension">The embedding width.</param>
/// <param name="ModelFolder">Where the model was loaded from, so searches can find it again (may be null).</param>
public sealed record IndexMetadata(string ModelId, string PreprocessFingerprint, int Dimension, string? ModelFolder = null)
{
    /// <summary>The schema version of the store that read or wrote this metadata.</summary>
    public int SchemaVersion { get; init; } = SqliteIndexStore.SchemaVersion;

    /// <summary>
    /// How the model was named when the index was built (a catalog name such as clip-vit-base-patch32, or a model
    /// folder path), so that later commands load the same model without being told; null in indexes made before
    /// it was recorded (then <see cref="ModelFolder"/> is used).
    /// </summary>
    public string? ModelReference { get; init; }

    /// <summary>The key that stored vectors carry: model and preprocessing together.</summary>
    public string VectorKey => ModelId + "|" + PreprocessFingerprint;
}

/// <summary>One indexed image file.</summary>
public sealed record IndexedFile
{
    /// <summary>The store's id of the record (stable while the path stays); 0 before it is stored.</summary>
    public long Id { get; init; }

    /// <summary>Full path of the file.</summary>
    public required string Path { get; init; }

    /// <summary>Size in bytes when it was indexed.</summary>
    public long Size { get; init; }

    /// <summary>Last write time (UTC) when it was indexed.</summary>
    public DateTime ModifiedUtc { get; init; }

    /// <summary>SHA-256 of the content, lower-case hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Width in pixels as displayed (after EXIF orientation), 0 when unknown.</summary>
    public int Width { get; init; }

    /// <summary>Height in pixels as displayed (after EXIF orientation), 0 when unknown.</summary>
    public int Height { get; init; }

    /// <summary>EXIF DateTimeOriginal (camera local time, kind unspecified), when present.</summary>
    public DateTime? TakenAt { get; init; }

    /// <summary>The <see cref="IndexMetadata.VectorKey"/> the embedding was made with.</summary>
    public required string VectorKey { get; init; }

    /// <summary>The normalised embedding, when loaded.</summary>
    public float[]? Embedding { get; init; }
}

/// <summary>A file that could not be indexed.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Reason">Why, in words (e.g. "corrupt image: …", "too large: …").</param>
/// <param name="Size">Size when it failed (an unchanged failed file is not retried).</param>
/// <param name="ModifiedUtc">Last write time when it failed.</param>
/// <param name="VectorKey">The model it failed with (a new model retries it).</param>
public sealed record IndexFailure(string Path, string Reason, long Size, DateTime ModifiedUtc, string VectorKey);

/// <summary>A file the walk found that is not an image (by its content), remembered so it is not read again while unchanged.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Size">Size when it was read.</param>
/// <param name="ModifiedUtc">Last write time when it was read.</param>
public sealed record NonImageFile(string Path, long Size, DateTime ModifiedUtc);

/// <summary>Counts of an index.</summary>
/// <param name="Files">Indexed files.</param>
/// <param name="Current">Files whose vector is from the current model.</param>
/// <param name="Stale">Files whose vector is from another model (to be rebuilt).</param>
/// <param name="Failed">Failed files.</param>
public sealed record IndexCounts(long Files, long Current, long Stale, long Failed);

/// <summary>One transaction's worth of changes.</summary>
public sealed class IndexBatch
{
    /// <summary>Records to insert or replace (keyed by path); each also clears a failure (or non-image record) of its path.</summary>
    public List<IndexedFile> Upserts { get; } = [];

    /// <summary>Failures to record (keyed by path); each also removes an indexed record of its path.</summary>
    public List<IndexFailure> Failures { get; } = [];

    /// <summary>Paths to remove, indexed, failed or recorded as not images.</summary>
    public List<string> Deletes { get; } = [];

    /// <summary>Files to record as not images (keyed by path); each also removes an indexed or failed record of its path.</summary>
    public List<NonImageFile> NonImages { get; } = [];

    /// <summary>True when there is nothing to do.</summary>
    public bool IsEmpty => Upserts.Count == 0 && Failures.Count == 0 && Deletes.Count == 0 && NonImages.Count == 0;

    /// <summary>Number of changes.</summary>
    public int Count => Upserts.Count + Failures.Count + Deletes.Count + NonImages.Count;
}
