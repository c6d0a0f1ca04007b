using System.Globalization;
using System.Text;
using ClipSharp.Index;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ClipSharp.Postgres;

/// <summary>
/// An index in PostgreSQL + pgvector: the <see cref="PostgresIndexStore"/> and search pushed down to SQL — ordering by
/// cosine distance (<c>&lt;=&gt;</c>) with the folder, date and minimum-score filters in the same query, exactly
/// (sequential scan, ties by path) or through the HNSW index once <see cref="PrepareAsync"/> has created it (above
/// <see cref="PostgresStoreOptions.HnswThreshold"/> vectors). Holds no state of its own, so several processes
/// sharing the database always search its latest commit. Thread-safe.
/// </summary>
public sealed class PostgresPhotoIndex : IPhotoIndex
{
    private const int DuplicateNeighbours = 32;

    private PostgresPhotoIndex(PostgresIndexStore store) => Store = store;

    /// <summary>Opens (creating or checking the schema) the index described by <paramref name="options"/>.</summary>
    /// <exception cref="ClipSharpException">The database cannot be reached or holds a newer schema.</exception>
    public static async Task<PostgresPhotoIndex> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken = default)
        => new(await PostgresIndexStore.OpenAsync(options, cancellationToken).ConfigureAwait(false));

    /// <summary>The source of truth.</summary>
    public PostgresIndexStore Store { get; }

    /// <inheritdoc/>
    IIndexStore IPhotoIndex.Store => Store;

    /// <inheritdoc/>
    public string Location => Store.Options.DisplayName;

    /// <summary>How the last search was answered.</summary>
    public SearchMethod LastMethod { get; private set; }

    private string S => Store.Schema;

    /// <summary>
    /// Creates the HNSW index (cosine ops; m and ef_construction from the options) when the index holds at least
    /// <see cref="PostgresStoreOptions.HnswThreshold"/> current vectors and has none yet. Call it after a bulk load.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        // Fresh statistics after a bulk load, so the planner sees the table as it is.
        await Store.Run(async connection =>
        {
            await PostgresIndexStore.ExecuteAsync(connection, null, $"ANALYZE {S}.files", cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        var counts = await Store.GetCountsAsync(cancellationToken).ConfigureAwait(false);
        if (counts.Current > 0 && counts.Current >= Store.Options.HnswThreshold)
        {
            await CreateHnswIndexAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the HNSW index now, whatever the size (when the vectors have one width); true when it exists.</summary>
    public Task<bool> CreateHnswIndexAsync(CancellationToken cancellationToken = default) => Store.Run(async connection =>
    {
        var meta = await Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (meta is null || !await Store.EnsureDimensionAsync(connection, meta.Dimension, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        string ops = Store.Options.VectorType == PostgresVectorType.HalfVec ? "halfvec_cosine_ops" : "vector_cosine_ops";
        await PostgresIndexStore.ExecuteAsync(connection, null, string.Create(CultureInfo.InvariantCulture,
            $"CREATE INDEX IF NOT EXISTS {PostgresIndexStore.HnswIndexName} ON {S}.files USING hnsw (embedding {ops}) WITH (m = {Store.Options.HnswM}, ef_construction = {Store.Options.HnswEfConstruction})"),
            cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    /// <summary>True when the HNSW index exists (made by this or another process).</summary>
    public Task<bool> HasHnswIndexAsync(CancellationToken cancellationToken = default) => Store.Run(async connection =>
        await HasHnswAsync(connection, cancellationToken).ConfigureAwait(false), cancellationToken);

    private async Task<bool> HasHnswAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand($"SELECT to_regclass('{S}.{PostgresIndexStore.HnswIndexName}') IS NOT NULL", connection);
        return (bool)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, SearchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Limit, 1, nameof(options));
        var meta = await Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (meta is null)
        {
            return [];
        }

        if (query.Length != meta.Dimension)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the query has {query.Length} values but the index holds vectors of {meta.Dimension} (another model?)", Location);
        }

        return await Store.Run(async connection =>
        {
            bool hnsw = !options.Exact && await HasHnswAsync(connection, cancellationToken).ConfigureAwait(false);
            string q = Store.Options.VectorType == PostgresVectorType.HalfVec ? "$1::halfvec" : "$1";
            var where = new StringBuilder("vector_key = $2");
            var parameters = new List<NpgsqlParameter>
            {
                new() { Value = new Vector(query) },
                new NpgsqlParameter<string> { TypedValue = meta.VectorKey },
                new NpgsqlParameter<int> { TypedValue = options.Limit },
            };
            if (options.FolderPrefix is { } prefix)
            {
                parameters.Add(new NpgsqlParameter<string> { TypedValue = EscapeLike(prefix) + "%" });
                where.Append(CultureInfo.InvariantCulture, $" AND path LIKE ${parameters.Count}");
            }

            if (options.TakenAfter is { } after)
            {
                parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = DateTime.SpecifyKind(after, DateTimeKind.Unspecified) });
                where.Append(CultureInfo.InvariantCulture, $" AND taken_at >= ${parameters.Count}");
            }

            if (options.TakenBefore is { } before)
            {
                parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = DateTime.SpecifyKind(before, DateTimeKind.Unspecified) });
                where.Append(CultureInfo.InvariantCulture, $" AND taken_at < ${parameters.Count}");
            }

            string minScore = "";
            if (options.MinScore is { } min)
            {
                parameters.Add(new NpgsqlParameter<double> { TypedValue = min });
                minScore = string.Create(CultureInfo.InvariantCulture, $"1 - (embedding <=> {q}) >= ${parameters.Count}");
            }

            string sql;
            if (hnsw)
            {
                // The index answers ORDER BY distance LIMIT k (sequential scans are off for this query: the approximate
                // path was chosen); the filters run in the same scan (iterative, so a selective filter still fills
                // the limit), the minimum score on its result.
                sql = $"""
                    SELECT id, path, taken_at, d, size, mtime_ticks FROM (
                        SELECT id, path, taken_at, embedding <=> {q} AS d, size, mtime_ticks FROM {S}.files
                        WHERE {where} ORDER BY embedding <=> {q} LIMIT $3) AS nearest
                    {(minScore.Length > 0 ? "WHERE " + minScore.Replace($"(embedding <=> {q})", "d", StringComparison.Ordinal) : "")}
                    ORDER BY d, path
                    """;
            }
            else
            {
                if (minScore.Length > 0)
                {
                    where.Append(" AND ").Append(minScore);
                }

                // Exact: every current vector, ties broken by path (as the embedded index does).
                sql = $"SELECT id, path, taken_at, embedding <=> {q} AS d, size, mtime_ticks FROM {S}.files WHERE {where} ORDER BY d, path LIMIT $3";
            }

            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (hnsw)
            {
                int ef = Math.Max(Store.Options.HnswEfSearch, options.Limit);
                await PostgresIndexStore.ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture,
                    $"SET LOCAL hnsw.ef_search = {Math.Min(ef, 1000)}; SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL enable_seqscan = off"), cancellationToken).ConfigureAwait(false);
            }

            var hits = new List<SearchHit>(options.Limit);
            await using (var cmd = new NpgsqlCommand(sql, connection, tx))
            {
                cmd.Parameters.AddRange(parameters.ToArray());
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    hits.Add(new SearchHit(reader.GetInt64(0), reader.GetString(1), (float)(1 - reader.GetDouble(3)),
                        reader.IsDBNull(2) ? null : DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Unspecified))
                    {
                        Size = reader.GetInt64(4),
                        ModifiedUtc = new DateTime(reader.GetInt64(5), DateTimeKind.Utc),
                    });
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            LastMethod = hnsw ? SearchMethod.Hnsw : SearchMethod.Exact;
            return (IReadOnlyList<SearchHit>)hits;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Exact groups by content hash, near groups from pairs computed in SQL: all pairs of distinct contents by cosine
    /// distance (exact), or each content's nearest neighbours through the HNSW index when it exists.
    /// </summary>
    public async Task<IReadOnlyList<DuplicateGroup>> FindDuplicatesAsync(float threshold = 0.97f, CancellationToken cancellationToken = default)
    {
        string key = (await Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false))?.VectorKey ?? "|";
        return await Store.Run(async connection =>
        {
            var files = new List<(string Path, string Sha256)>();
            await using (var cmd = new NpgsqlCommand($"SELECT path, sha256 FROM {S}.files WHERE vector_key = $1 ORDER BY path", connection))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    files.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            bool hnsw = await HasHnswAsync(connection, cancellationToken).ConfigureAwait(false);
            string reps = $"SELECT DISTINCT ON (sha256) sha256, embedding FROM {S}.files WHERE vector_key = $1 ORDER BY sha256, path";
            string sql = hnsw
                ? $"""
                    WITH reps AS ({reps})
                    SELECT r.sha256, n.sha256, 1 - n.d FROM reps r
                    CROSS JOIN LATERAL (SELECT f.sha256, f.embedding <=> r.embedding AS d FROM {S}.files f
                        WHERE f.vector_key = $1 ORDER BY f.embedding <=> r.embedding LIMIT {DuplicateNeighbours}) n
                    WHERE n.sha256 <> r.sha256 AND 1 - n.d >= $2
                    """
                : $"""
                    WITH reps AS MATERIALIZED ({reps})
                    SELECT a.sha256, b.sha256, 1 - (a.embedding <=> b.embedding) FROM reps a JOIN reps b ON a.sha256 < b.sha256
                    WHERE 1 - (a.embedding <=> b.embedding) >= $2
                    """;
            var pairs = new List<(string, string, float)>();
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (hnsw)
            {
                await PostgresIndexStore.ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture,
                    $"SET LOCAL hnsw.ef_search = {Math.Max(Store.Options.HnswEfSearch, DuplicateNeighbours)}"), cancellationToken).ConfigureAwait(false);
            }

            await using (var cmd = new NpgsqlCommand(sql, connection, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = threshold });
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    pairs.Add((reader.GetString(0), reader.GetString(1), (float)reader.GetDouble(2)));
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return DuplicateGrouping.Group(files, pairs);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<long> GetStorageBytesAsync(CancellationToken cancellationToken = default) => Store.Run(async connection =>
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Store.Options.Schema });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }, cancellationToken);

    private static string EscapeLike(string text)
        => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>Closes the connection pool.</summary>
    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
