namespace ClipSharp.Index;

/// <summary>What <see cref="IndexMigration.CopyAsync"/> copied.</summary>
/// <param name="Files">File records copied with their vectors.</param>
/// <param name="Failures">Failure records copied.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record IndexMigrationResult(long Files, long Failures, TimeSpan Elapsed);

/// <summary>
/// Copies one index into another store (e.g. the embedded SQLite index into PostgreSQL) without re-embedding: the
/// metadata, every file record with its stored vector, and every failure, in batches of idempotent upserts, so an
/// interrupted copy can simply be run again.
/// </summary>
public static class IndexMigration
{
    /// <summary>Copies <paramref name="from"/> into <paramref name="to"/>; returns what was copied.</summary>
    /// <exception cref="ClipSharpException">The source is empty (has no model), or a store failed.</exception>
    public static async Task<IndexMigrationResult> CopyAsync(IIndexStore from, IIndexStore to, int batchSize = 512, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var meta = await from.GetMetadataAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ClipSharpException(ClipErrorKind.InvalidInput, "the source index is empty (no model recorded)", null);
        await to.SetMetadataAsync(meta, cancellationToken).ConfigureAwait(false);
        long files = 0, failures = 0;
        var batch = new IndexBatch();
        await foreach (var f in from.ListFilesAsync(true, cancellationToken).ConfigureAwait(false))
        {
            batch.Upserts.Add(f with { Id = 0 });
            if (batch.Count >= batchSize)
            {
                await to.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
                files += batch.Upserts.Count;
                progress?.Report(files);
                batch = new IndexBatch();
            }
        }

        await foreach (var f in from.ListFailuresAsync(cancellationToken).ConfigureAwait(false))
        {
            batch.Failures.Add(f);
            failures++;
            if (batch.Count >= batchSize)
            {
                files += batch.Upserts.Count;
                await to.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
                batch = new IndexBatch();
            }
        }

        files += batch.Upserts.Count;
        await to.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        progress?.Report(files);
        return new IndexMigrationResult(files, failures, clock.Elapsed);
    }
}
