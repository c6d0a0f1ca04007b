using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using ClipSharp.Index;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using Pgvector.Npgsql;

namespace ClipSharp.Postgres;

/// <summary>
/// The index's source of truth in PostgreSQL + pgvector, in its own schema: the same contract as the embedded
/// <see cref="SqliteIndexStore"/>. Every <see cref="CommitAsync"/> is one short transaction of batched, prepared,
/// idempotent upserts (<c>ON CONFLICT</c>), so a killed run resumes without duplicates; several processes may share
/// one database and see each other's commits. A file's id is derived from its path (a 63-bit hash), so it is stable
/// while the path stays and is the natural distribution key for Citus. Thread-safe (a connection pool).
/// </summary>
public sealed class PostgresIndexStore : IIndexStore
{
    /// <summary>The schema version this code reads and writes.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Name of the HNSW index on the vectors (inside the store's schema).</summary>
    internal const string HnswIndexName = "files_embedding_hnsw";

    private const string FileColumns = "id, path, size, mtime_ticks, sha256, width, height, taken_at, vector_key";
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _s;
    private volatile bool _nonImagesTableReady;

    private PostgresIndexStore(NpgsqlDataSource dataSource, PostgresStoreOptions options)
    {
        _dataSource = dataSource;
        Options = options;
        _s = options.QuotedSchema;
    }

    /// <summary>The options the store was opened with.</summary>
    public PostgresStoreOptions Options { get; }

    /// <summary>The quoted schema name, for SQL.</summary>
    internal string Schema => _s;

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>
    /// Connects, creates the pgvector extension, the schema and its tables when missing (or checks their version),
    /// and returns the store.
    /// </summary>
    /// <exception cref="ClipSharpException">The server cannot be reached, lacks pgvector, or holds a newer schema.</exception>
    public static async Task<PostgresIndexStore> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string s = options.QuotedSchema;
        try
        {
            // The extension must exist before the vector types are loaded by the pooled data source.
            await using (var plain = new NpgsqlConnection(options.ConnectionString))
            {
                await plain.OpenAsync(cancellationToken).ConfigureAwait(false);
                await MigrateAsync(plain, options, s, cancellationToken).ConfigureAwait(false);
                await using var version = new NpgsqlCommand("SELECT version()", plain);
                if (options.PrepareStatements is null)
                {
                    bool pglite = (await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string ?? "").Contains("PGlite", StringComparison.Ordinal);
                    options = options with { PrepareStatements = !pglite };
                }
            }

            var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
            builder.UseVector();
            return new PostgresIndexStore(builder.Build(), options);
        }
        catch (NpgsqlException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Io, "cannot open the PostgreSQL index: " + ex.Message, options.DisplayName, ex);
        }
    }

    private static async Task MigrateAsync(NpgsqlConnection connection, PostgresStoreOptions options, string s, CancellationToken cancellationToken)
    {
        // An existing schema of this version or older is only read: no DDL, so a read replica opens it for search.
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{s}.meta') IS NOT NULL", connection))
        {
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await using var read = new NpgsqlCommand($"SELECT value FROM {s}.meta WHERE key = 'schema_version'", connection);
                if (await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string existing)
                {
                    CheckVersion(existing, options);
                    return;
                }
            }
        }

        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Serialise concurrent first opens of the same schema by several processes.
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock(hashtext('clipsharp:' || {Literal(options.Schema)}))", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, $"""
            CREATE EXTENSION IF NOT EXISTS vector;
            CREATE SCHEMA IF NOT EXISTS {s};
            CREATE TABLE IF NOT EXISTS {s}.meta (key text PRIMARY KEY, value text NOT NULL);
            """, cancellationToken).ConfigureAwait(false);
        string? version;
        await using (var cmd = new NpgsqlCommand($"SELECT value FROM {s}.meta WHERE key = 'schema_version'", connection, tx))
        {
            version = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        if (version is null)
        {
            // Version 1. Paths compare bytewise (COLLATE "C"), as in the embedded store; the path index serves the
            // folder filter (LIKE 'prefix%'), taken_at the date filter. The vector column gets its dimension (and
            // the HNSW index) once the model is known.
            await ExecuteAsync(connection, tx, $"""
                CREATE TABLE {s}.files (
                    id bigint PRIMARY KEY,
                    path text COLLATE "C" NOT NULL UNIQUE,
                    size bigint NOT NULL,
                    mtime_ticks bigint NOT NULL,
                    sha256 text NOT NULL,
                    width integer NOT NULL,
                    height integer NOT NULL,
                    taken_at timestamp NULL,
                    vector_key text NOT NULL,
                    embedding {options.VectorTypeName} NOT NULL,
                    gen bigint NOT NULL
                );
                CREATE INDEX files_sha256 ON {s}.files (sha256);
                CREATE INDEX files_taken_at ON {s}.files (taken_at);
                CREATE TABLE {s}.failures (
                    path text COLLATE "C" PRIMARY KEY,
                    size bigint NOT NULL,
                    mtime_ticks bigint NOT NULL,
                    vector_key text NOT NULL,
                    reason text NOT NULL
                );
                INSERT INTO {s}.meta (key, value) VALUES
                    ('generation', '0'),
                    ('schema_version', '{SchemaVersion}'),
                    ('vector_type', '{options.VectorTypeName}');
                """, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            CheckVersion(version, options);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void CheckVersion(string version, PostgresStoreOptions options)
    {
        if (!int.TryParse(version, CultureInfo.InvariantCulture, out int v) || v > SchemaVersion)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the index has schema version {version}; this ClipSharp reads version {SchemaVersion} (upgrade ClipSharp)", options.DisplayName);
        }
    }

    /// <summary>The id of a path: the first 63 bits of SHA-256 of its UTF-8 bytes (never 0).</summary>
    internal static long FileId(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(path), hash);
        long id = (long)(BinaryPrimitives.ReadUInt64BigEndian(hash) & 0x7FFF_FFFF_FFFF_FFFFUL);
        return id == 0 ? 1 : id;
    }

    /// <inheritdoc/>
    public Task<IndexMetadata?> GetMetadataAsync(CancellationToken cancellationToken = default) => Run(async connection =>
    {
        var meta = await ReadMetaAsync(connection, cancellationToken).ConfigureAwait(false);
        if (!meta.TryGetValue("model_id", out string? model))
        {
            return (IndexMetadata?)null;
        }

        return new IndexMetadata(
            model,
            meta.GetValueOrDefault("preprocess_fingerprint") ?? "",
            int.Parse(meta.GetValueOrDefault("dimension") ?? "0", CultureInfo.InvariantCulture),
            meta.GetValueOrDefault("model_folder") is { Length: > 0 } folder ? folder : null)
        {
            ModelReference = meta.GetValueOrDefault("model_reference") is { Length: > 0 } reference ? reference : null,
            SchemaVersion = int.Parse(meta.GetValueOrDefault("schema_version") ?? "0", CultureInfo.InvariantCulture),
        };
    }, cancellationToken);

    /// <inheritdoc/>
    public Task SetMetadataAsync(IndexMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Run(async connection =>
        {
            await using (var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var batch = new NpgsqlBatch(connection, tx);
                foreach (var (key, value) in new[]
                {
                    ("model_id", metadata.ModelId),
                    ("preprocess_fingerprint", metadata.PreprocessFingerprint),
                    ("dimension", metadata.Dimension.ToString(CultureInfo.InvariantCulture)),
                    ("model_folder", metadata.ModelFolder ?? ""),
                    ("model_reference", metadata.ModelReference ?? ""),
                })
                {
                    var c = new NpgsqlBatchCommand($"INSERT INTO {_s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
                    c.Parameters.Add(new NpgsqlParameter { Value = key });
                    c.Parameters.Add(new NpgsqlParameter { Value = value });
                    batch.BatchCommands.Add(c);
                }

                batch.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {_s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"));
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            await EnsureDimensionAsync(connection, metadata.Dimension, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> ReplaceModelIdAsync(string formerModelId, string modelId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(formerModelId);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        return Run(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            string? preprocess = null;
            // Locks the row: another process adopting at the same time waits, then finds the new id and does nothing.
            await using (var read = new NpgsqlCommand(
                $"SELECT key, value FROM {_s}.meta WHERE key IN ('model_id', 'preprocess_fingerprint') FOR UPDATE", connection, tx))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                string? recorded = null;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetString(0) == "model_id")
                    {
                        recorded = reader.GetString(1);
                    }
                    else
                    {
                        preprocess = reader.GetString(1);
                    }
                }

                if (recorded != formerModelId)
                {
                    return false;
                }
            }

            string oldKey = new IndexMetadata(formerModelId, preprocess ?? "", 0).VectorKey;
            string newKey = new IndexMetadata(modelId, preprocess ?? "", 0).VectorKey;
            long generation;
            await using (var bump = new NpgsqlCommand($"UPDATE {_s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation' RETURNING value::bigint", connection, tx))
            {
                generation = Convert.ToInt64(await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            await using var batch = new NpgsqlBatch(connection, tx);
            var setId = new NpgsqlBatchCommand($"UPDATE {_s}.meta SET value = $1 WHERE key = 'model_id'");
            setId.Parameters.Add(new NpgsqlParameter<string> { TypedValue = modelId });
            batch.BatchCommands.Add(setId);
            // Rows carry the generation they were written in; derived search structures reload rewritten rows.
            var files = new NpgsqlBatchCommand($"UPDATE {_s}.files SET vector_key = $1, gen = $3 WHERE vector_key = $2");
            files.Parameters.Add(new NpgsqlParameter<string> { TypedValue = newKey });
            files.Parameters.Add(new NpgsqlParameter<string> { TypedValue = oldKey });
            files.Parameters.Add(new NpgsqlParameter<long> { TypedValue = generation });
            batch.BatchCommands.Add(files);
            var failures = new NpgsqlBatchCommand($"UPDATE {_s}.failures SET vector_key = $1 WHERE vector_key = $2");
            failures.Parameters.Add(new NpgsqlParameter<string> { TypedValue = newKey });
            failures.Parameters.Add(new NpgsqlParameter<string> { TypedValue = oldKey });
            batch.BatchCommands.Add(failures);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Gives the vector column the dimension <paramref name="dimension"/> when every stored vector has it (pgvector
    /// indexes need it); otherwise (vectors of an older model with another width) leaves it without one, and drops
    /// the HNSW index, until those are rebuilt. Returns true when the column has the dimension.
    /// </summary>
    internal async Task<bool> EnsureDimensionAsync(NpgsqlConnection connection, int dimension, CancellationToken cancellationToken)
    {
        if (dimension <= 0)
        {
            return false;
        }

        int typmod;
        await using (var cmd = new NpgsqlCommand($"SELECT atttypmod FROM pg_attribute WHERE attrelid = '{_s}.files'::regclass AND attname = 'embedding'", connection))
        {
            typmod = Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (typmod == dimension)
        {
            return true;
        }

        bool others;
        await using (var cmd = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {_s}.files WHERE vector_dims(embedding) <> {dimension})", connection))
        {
            others = (bool)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        string type = Options.VectorTypeName;
        if (others)
        {
            if (typmod > 0)
            {
                await ExecuteAsync(connection, null, $"DROP INDEX IF EXISTS {_s}.{HnswIndexName}; ALTER TABLE {_s}.files ALTER COLUMN embedding TYPE {type}", cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        await ExecuteAsync(connection, null, $"DROP INDEX IF EXISTS {_s}.{HnswIndexName}; ALTER TABLE {_s}.files ALTER COLUMN embedding TYPE {type}({dimension})", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc/>
    public Task<bool> MarkStaleAsync(long id, CancellationToken cancellationToken = default) => Run(async connection =>
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long generation;
        await using (var bump = new NpgsqlCommand($"UPDATE {_s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation' RETURNING value::bigint", connection, tx))
        {
            generation = Convert.ToInt64(await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        await using var mark = new NpgsqlCommand($"UPDATE {_s}.files SET vector_key = '', gen = $2 WHERE id = $1 AND vector_key <> ''", connection, tx);
        mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = generation });
        if (await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IndexedFile?> GetByPathAsync(string path, bool withEmbedding, CancellationToken cancellationToken = default)
        => GetOneAsync("path = $1", path, withEmbedding, cancellationToken);

    /// <inheritdoc/>
    public Task<IndexedFile?> GetByIdAsync(long id, bool withEmbedding, CancellationToken cancellationToken = default)
        => GetOneAsync("id = $1", id, withEmbedding, cancellationToken);

    private Task<IndexedFile?> GetOneAsync(string where, object value, bool withEmbedding, CancellationToken cancellationToken) => Run(async connection =>
    {
        await using var cmd = new NpgsqlCommand($"SELECT {FileColumns}{(withEmbedding ? ", embedding::vector" : "")} FROM {_s}.files WHERE {where}", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadFile(reader, withEmbedding) : null;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<IndexedFile>> GetBySha256Async(string sha256, CancellationToken cancellationToken = default) => Run(async connection =>
    {
        await using var cmd = new NpgsqlCommand($"SELECT {FileColumns}, embedding::vector FROM {_s}.files WHERE sha256 = $1 ORDER BY path", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<IndexedFile>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(ReadFile(reader, true));
        }

        return (IReadOnlyList<IndexedFile>)result;
    }, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<IndexedFile> ListFilesAsync(bool withEmbeddings, CancellationToken cancellationToken = default)
        // Keyset pages by path: no cursor or transaction stays open while the caller works.
        => KeysetPages.ReadAllAsync(after => Run(async connection =>
        {
            await using var cmd = new NpgsqlCommand(
                $"SELECT {FileColumns}{(withEmbeddings ? ", embedding::vector" : "")} FROM {_s}.files WHERE path > $1 ORDER BY path LIMIT {KeysetPages.PageSize}", connection);
            cmd.Parameters.Add(new NpgsqlParameter { Value = after });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<IndexedFile>(KeysetPages.PageSize);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(ReadFile(reader, withEmbeddings));
            }

            return list;
        }, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<IndexFailure> ListFailuresAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var all = await Run(async connection =>
        {
            await using var cmd = new NpgsqlCommand($"SELECT path, reason, size, mtime_ticks, vector_key FROM {_s}.failures ORDER BY path", connection);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<IndexFailure>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new IndexFailure(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                    new DateTime(reader.GetInt64(3), DateTimeKind.Utc), reader.GetString(4)));
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var f in all)
        {
            yield return f;
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<NonImageFile> ListNonImagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var all = await Run(async connection =>
        {
            var list = new List<NonImageFile>();
            // Schemas written before non-images were recorded have no table until their next commit (opening never writes).
            await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{_s}.non_images') IS NOT NULL", connection))
            {
                if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return list;
                }
            }

            await using var cmd = new NpgsqlCommand($"SELECT path, size, mtime_ticks FROM {_s}.non_images ORDER BY path", connection);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new NonImageFile(reader.GetString(0), reader.GetInt64(1), new DateTime(reader.GetInt64(2), DateTimeKind.Utc)));
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var f in all)
        {
            yield return f;
        }
    }

    /// <inheritdoc/>
    public Task CommitAsync(IndexBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.IsEmpty)
        {
            return Task.CompletedTask;
        }

        foreach (var f in batch.Upserts)
        {
            if (f.Embedding is null)
            {
                throw new ArgumentException($"The record of {f.Path} has no embedding.", nameof(batch));
            }
        }

        return Run(async connection =>
        {
            // One short transaction: the generation bump, then one batch of prepared statements (one round trip).
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (!_nonImagesTableReady)
            {
                // Schemas made before non-images were recorded get the table with their first commit (opening never writes).
                await ExecuteAsync(connection, tx, $"CREATE TABLE IF NOT EXISTS {_s}.non_images (path text COLLATE \"C\" PRIMARY KEY, size bigint NOT NULL, mtime_ticks bigint NOT NULL)", cancellationToken).ConfigureAwait(false);
            }

            long generation;
            await using (var bump = new NpgsqlCommand($"UPDATE {_s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation' RETURNING value::bigint", connection, tx))
            {
                generation = Convert.ToInt64(await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            await using var b = new NpgsqlBatch(connection, tx);
            string upsert = $"""
                INSERT INTO {_s}.files (id, path, size, mtime_ticks, sha256, width, height, taken_at, vector_key, embedding, gen)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (id) DO UPDATE SET path = excluded.path, size = excluded.size, mtime_ticks = excluded.mtime_ticks,
                    sha256 = excluded.sha256, width = excluded.width, height = excluded.height, taken_at = excluded.taken_at,
                    vector_key = excluded.vector_key, embedding = excluded.embedding, gen = excluded.gen
                """;
            foreach (var f in batch.Upserts)
            {
                var c = new NpgsqlBatchCommand(upsert);
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = FileId(f.Path) });
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.Path });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = f.Size });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = f.ModifiedUtc.Ticks });
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.Sha256 });
                c.Parameters.Add(new NpgsqlParameter<int> { TypedValue = f.Width });
                c.Parameters.Add(new NpgsqlParameter<int> { TypedValue = f.Height });
                c.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = f.TakenAt is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Unspecified) : DBNull.Value });
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.VectorKey });
                c.Parameters.Add(new NpgsqlParameter { Value = new Vector(f.Embedding!) });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = generation });
                b.BatchCommands.Add(c);
            }

            if (batch.Upserts.Count > 0)
            {
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.failures WHERE path = ANY($1)", batch.Upserts.Select(f => f.Path)));
            }

            foreach (var f in batch.Failures)
            {
                var c = new NpgsqlBatchCommand($"""
                    INSERT INTO {_s}.failures (path, size, mtime_ticks, vector_key, reason) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ticks = excluded.mtime_ticks, vector_key = excluded.vector_key, reason = excluded.reason
                    """);
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.Path });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = f.Size });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = f.ModifiedUtc.Ticks });
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.VectorKey });
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.Reason });
                b.BatchCommands.Add(c);
            }

            if (batch.Failures.Count > 0)
            {
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.files WHERE path = ANY($1)", batch.Failures.Select(f => f.Path)));
            }

            if (batch.Deletes.Count > 0)
            {
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.files WHERE path = ANY($1)", batch.Deletes));
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.failures WHERE path = ANY($1)", batch.Deletes));
            }

            // Non-images: recorded so an unchanged one is not read again; a path that is (again) an image or a failure is not one.
            var notNonImages = batch.Upserts.Select(f => f.Path).Concat(batch.Failures.Select(f => f.Path)).Concat(batch.Deletes).ToList();
            if (notNonImages.Count > 0)
            {
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.non_images WHERE path = ANY($1)", notNonImages));
            }

            foreach (var f in batch.NonImages)
            {
                var c = new NpgsqlBatchCommand($"""
                    INSERT INTO {_s}.non_images (path, size, mtime_ticks) VALUES ($1, $2, $3)
                    ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ticks = excluded.mtime_ticks
                    """);
                c.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.Path });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = f.Size });
                c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = f.ModifiedUtc.Ticks });
                b.BatchCommands.Add(c);
            }

            if (batch.NonImages.Count > 0)
            {
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.files WHERE path = ANY($1)", batch.NonImages.Select(f => f.Path)));
                b.BatchCommands.Add(PathsCommand($"DELETE FROM {_s}.failures WHERE path = ANY($1)", batch.NonImages.Select(f => f.Path)));
            }

            if (Options.PrepareStatements == true)
            {
                await b.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }

            await b.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            _nonImagesTableReady = true;
            return 0;
        }, cancellationToken);
    }

    private static NpgsqlBatchCommand PathsCommand(string sql, IEnumerable<string> paths)
    {
        var c = new NpgsqlBatchCommand(sql);
        c.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = paths.ToArray() });
        return c;
    }

    /// <inheritdoc/>
    public Task<IndexCounts> GetCountsAsync(CancellationToken cancellationToken = default) => Run(async connection =>
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT (SELECT count(*) FROM {_s}.files),
                   (SELECT count(*) FROM {_s}.files WHERE vector_key = {CurrentKeySql}),
                   (SELECT count(*) FROM {_s}.failures)
            """, connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        long files = reader.GetInt64(0), current = reader.GetInt64(1);
        return new IndexCounts(files, current, files - current, reader.GetInt64(2));
    }, cancellationToken);

    /// <summary>SQL for the current vector key (model | preprocessing) read from the meta table.</summary>
    internal string CurrentKeySql => $"""
        (SELECT coalesce((SELECT value FROM {_s}.meta WHERE key = 'model_id'), '') || '|' || coalesce((SELECT value FROM {_s}.meta WHERE key = 'preprocess_fingerprint'), ''))
        """;

    /// <inheritdoc/>
    public Task<long> GetGenerationAsync(CancellationToken cancellationToken = default) => Run(async connection =>
    {
        await using var cmd = new NpgsqlCommand($"SELECT value::bigint FROM {_s}.meta WHERE key = 'generation'", connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }, cancellationToken);

    /// <summary>Drops the schema with everything in it (tests, or removing an index).</summary>
    public Task DropAsync(CancellationToken cancellationToken = default)
        => Run(async connection => { await ExecuteAsync(connection, null, $"DROP SCHEMA IF EXISTS {_s} CASCADE", cancellationToken).ConfigureAwait(false); return 0; }, cancellationToken);

    internal static IndexedFile ReadFile(NpgsqlDataReader reader, bool withEmbedding) => new()
    {
        Id = reader.GetInt64(0),
        Path = reader.GetString(1),
        Size = reader.GetInt64(2),
        ModifiedUtc = new DateTime(reader.GetInt64(3), DateTimeKind.Utc),
        Sha256 = reader.GetString(4),
        Width = reader.GetInt32(5),
        Height = reader.GetInt32(6),
        TakenAt = reader.IsDBNull(7) ? null : DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Unspecified),
        VectorKey = reader.GetString(8),
        Embedding = withEmbedding ? reader.GetFieldValue<Vector>(9).ToArray() : null,
    };

    private static async Task<Dictionary<string, string>> ReadMetaAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand($"SELECT key, value FROM {schema}.meta", connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            map[reader.GetString(0)] = reader.GetString(1);
        }

        return map;
    }

    private Task<Dictionary<string, string>> ReadMetaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => ReadMetaAsync(connection, _s, cancellationToken);

    /// <summary>Runs <paramref name="action"/> on a pooled connection; database errors become <see cref="ClipSharpException"/>.</summary>
    internal async Task<T> Run<T>(Func<NpgsqlConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await action(connection).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClipSharpException(ClipErrorKind.Io, "index database error: " + ex.Message, Options.DisplayName, ex);
        }
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Closes the connection pool.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
