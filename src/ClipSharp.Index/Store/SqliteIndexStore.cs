using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace ClipSharp.Index;

/// <summary>
/// The embedded store: one SQLite database (WAL mode) in the index folder. Thread-safe (one connection, calls
/// serialised). Writes are one transaction per <see cref="IndexBatch"/>; paths are unique, upserts keep a path's id.
/// Vectors are stored as float32 or float16 (<see cref="VectorPrecision"/>), a property of the database.
/// </summary>
/// <remarks>
/// Schema versions: 1 holds float32 vectors; 2 adds float16 ones. A database records the lowest version that can
/// read it, so a float32 index stays readable by every release.
/// </remarks>
public sealed class SqliteIndexStore : IIndexStore
{
    /// <summary>The newest schema version this code reads and writes.</summary>
    public const int SchemaVersion = 2;

    /// <summary>The database file name inside an index folder.</summary>
    public const string DatabaseFileName = "index.db";

    private const string FileColumns = "id, path, size, mtime, sha256, width, height, taken_at, vector_key";

    /// <summary>
    /// The embedding with the precision it is stored at, read in the same statement (one consistent state, even while
    /// another process converts the index).
    /// </summary>
    private const string EmbeddingColumns = ", embedding, (SELECT value FROM meta WHERE key = 'vector_precision')";
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private SqliteIndexStore(SqliteConnection connection, string folder, VectorPrecision precision, long converted)
    {
        _connection = connection;
        Folder = folder;
        Precision = precision;
        VectorsConvertedOnOpen = converted;
    }

    /// <summary>The index folder.</summary>
    public string Folder { get; }

    /// <summary>The database file.</summary>
    public string DatabasePath => Path.Combine(Folder, DatabaseFileName);

    /// <summary>
    /// How the vectors are stored, as of the last metadata read, commit or snapshot load (another process may convert
    /// the index to float16 meanwhile: commits and snapshots read it inside their transaction, embeddings are decoded
    /// with the value read in the same statement).
    /// </summary>
    public VectorPrecision Precision { get; private set; }

    /// <summary>How many stored vectors <see cref="Open"/> converted to float16 (0 unless it converted the index).</summary>
    public long VectorsConvertedOnOpen { get; }

    /// <summary>Opens (creating when needed) the index in <paramref name="folder"/>.</summary>
    /// <param name="folder">The index folder.</param>
    /// <param name="precision">
    /// How to store vectors. Null keeps what the index has (float32 for a new one). Float16 on a float32 index converts
    /// its vectors in place, in one transaction; float32 on a float16 index is refused, since the rounding cannot be undone.
    /// </param>
    /// <exception cref="ClipSharpException">
    /// The database is from a newer ClipSharp or is not an index, or it stores float16 vectors and float32 was asked for.
    /// </exception>
    public static SqliteIndexStore Open(string folder, VectorPrecision? precision = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, DatabaseFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            SqliteStatements.Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
            var stored = SqliteSchema.Migrate(connection, folder, precision ?? VectorPrecision.Float32);
            long converted = 0;
            if (precision is { } wanted && wanted != stored)
            {
                if (wanted == VectorPrecision.Float32)
                {
                    throw new ClipSharpException(ClipErrorKind.InvalidInput,
                        "the index stores float16 vectors, which cannot be widened back to float32 without embedding every photo again: index into a new folder for float32", folder);
                }

                converted = SqliteFloat16Conversion.Convert(connection, folder);
                stored = VectorPrecision.Float16;
            }

            return new SqliteIndexStore(connection, folder, stored, converted);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new ClipSharpException(ClipErrorKind.Io, "cannot open the index database: " + ex.Message, folder, ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<IndexMetadata?> GetMetadataAsync(CancellationToken cancellationToken = default) => Locked(() =>
    {
        Precision = SqliteSchema.ReadPrecision(_connection, Folder);
        string? model = SqliteStatements.ReadMeta(_connection, "model_id");
        if (model is null)
        {
            return (IndexMetadata?)null;
        }

        return new IndexMetadata(
            model,
            SqliteStatements.ReadMeta(_connection, "preprocess_fingerprint") ?? "",
            int.Parse(SqliteStatements.ReadMeta(_connection, "dimension") ?? "0", CultureInfo.InvariantCulture),
            SqliteStatements.ReadMeta(_connection, "model_folder") is { Length: > 0 } folder ? folder : null)
        {
            ModelReference = SqliteStatements.ReadMeta(_connection, "model_reference") is { Length: > 0 } reference ? reference : null,
            SchemaVersion = int.Parse(SqliteStatements.ReadMeta(_connection, "schema_version") ?? "0", CultureInfo.InvariantCulture),
        };
    }, cancellationToken);

    /// <inheritdoc/>
    public Task SetMetadataAsync(IndexMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Locked(() =>
        {
            using var tx = _connection.BeginTransaction();
            SqliteStatements.WriteMeta(_connection, tx, "model_id", metadata.ModelId);
            SqliteStatements.WriteMeta(_connection, tx, "preprocess_fingerprint", metadata.PreprocessFingerprint);
            SqliteStatements.WriteMeta(_connection, tx, "dimension", metadata.Dimension.ToString(CultureInfo.InvariantCulture));
            SqliteStatements.WriteMeta(_connection, tx, "model_folder", metadata.ModelFolder ?? "");
            SqliteStatements.WriteMeta(_connection, tx, "model_reference", metadata.ModelReference ?? "");
            SqliteStatements.BumpGeneration(_connection, tx);
            tx.Commit();
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> ReplaceModelIdAsync(string formerModelId, string modelId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(formerModelId);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        return Locked(() =>
        {
            using var tx = _connection.BeginTransaction();
            // The bump takes the write lock first, so the id read below cannot change before the commit.
            long generation = SqliteStatements.BumpGeneration(_connection, tx);
            if (SqliteStatements.ReadMeta(_connection, "model_id", tx) != formerModelId)
            {
                tx.Rollback();
                return false;
            }

            string preprocess = SqliteStatements.ReadMeta(_connection, "preprocess_fingerprint", tx) ?? "";
            SqliteStatements.WriteMeta(_connection, tx, "model_id", modelId);
            foreach (string table in new[] { "files", "failures" })
            {
                using var rekey = _connection.CreateCommand();
                rekey.Transaction = tx;
                // Rows carry the generation they were written in; derived search structures reload rewritten rows.
                rekey.CommandText = table == "files"
                    ? "UPDATE files SET vector_key = $new, gen = $g WHERE vector_key = $old"
                    : "UPDATE failures SET vector_key = $new WHERE vector_key = $old";
                rekey.Parameters.AddWithValue("$old", new IndexMetadata(formerModelId, preprocess, 0).VectorKey);
                rekey.Parameters.AddWithValue("$new", new IndexMetadata(modelId, preprocess, 0).VectorKey);
                if (table == "files")
                {
                    rekey.Parameters.AddWithValue("$g", generation);
                }

                rekey.ExecuteNonQuery();
            }

            tx.Commit();
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> MarkStaleAsync(long id, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var tx = _connection.BeginTransaction();
        long generation = SqliteStatements.BumpGeneration(_connection, tx);
        using var mark = _connection.CreateCommand();
        mark.Transaction = tx;
        mark.CommandText = "UPDATE files SET vector_key = '', gen = $g WHERE id = $id AND vector_key <> ''";
        mark.Parameters.AddWithValue("$id", id);
        mark.Parameters.AddWithValue("$g", generation);
        if (mark.ExecuteNonQuery() == 0)
        {
            tx.Rollback();
            return false;
        }

        tx.Commit();
        return true;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IndexedFile?> GetByPathAsync(string path, bool withEmbedding, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {FileColumns}{(withEmbedding ? EmbeddingColumns : "")} FROM files WHERE path = $p";
        cmd.Parameters.AddWithValue("$p", path);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? ReadFile(reader, withEmbedding) : null;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IndexedFile?> GetByIdAsync(long id, bool withEmbedding, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {FileColumns}{(withEmbedding ? EmbeddingColumns : "")} FROM files WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? ReadFile(reader, withEmbedding) : null;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<IndexedFile>> GetBySha256Async(string sha256, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {FileColumns}{EmbeddingColumns} FROM files WHERE sha256 = $s ORDER BY path";
        cmd.Parameters.AddWithValue("$s", sha256);
        using var reader = cmd.ExecuteReader();
        var result = new List<IndexedFile>();
        while (reader.Read())
        {
            result.Add(ReadFile(reader, true));
        }

        return (IReadOnlyList<IndexedFile>)result;
    }, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<IndexedFile> ListFilesAsync(bool withEmbeddings, CancellationToken cancellationToken = default)
        // Pages by path, so the lock is not held while the caller works.
        => KeysetPages.ReadAllAsync(after => Locked(() =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = $"SELECT {FileColumns}{(withEmbeddings ? EmbeddingColumns : "")} FROM files WHERE path > $a ORDER BY path LIMIT {KeysetPages.PageSize}";
            cmd.Parameters.AddWithValue("$a", after);
            using var reader = cmd.ExecuteReader();
            var list = new List<IndexedFile>(KeysetPages.PageSize);
            while (reader.Read())
            {
                list.Add(ReadFile(reader, withEmbeddings));
            }

            return list;
        }, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<IndexFailure> ListFailuresAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var all = await Locked(() =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT path, reason, size, mtime, vector_key FROM failures ORDER BY path";
            using var reader = cmd.ExecuteReader();
            var list = new List<IndexFailure>();
            while (reader.Read())
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
        var all = await Locked(() =>
        {
            var list = new List<NonImageFile>();
            using var cmd = _connection.CreateCommand();
            // Indexes written before non-images were recorded have no table until their next commit.
            cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'non_images'";
            if (Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                return list;
            }

            cmd.CommandText = "SELECT path, size, mtime FROM non_images ORDER BY path";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
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

        return Locked(() =>
        {
            using var tx = _connection.BeginTransaction();
            long generation = SqliteStatements.BumpGeneration(_connection, tx);
            SqliteStatements.Execute(_connection, "CREATE TABLE IF NOT EXISTS non_images (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL)", tx);

            // Read under the write lock the bump took: a conversion by another process cannot slip in between.
            var precision = Precision = SqliteSchema.ReadPrecision(_connection, Folder, tx);
            using (var upsert = _connection.CreateCommand())
            using (var clearFailure = _connection.CreateCommand())
            {
                upsert.Transaction = tx;
                upsert.CommandText = """
                    INSERT INTO files(path, size, mtime, sha256, width, height, taken_at, vector_key, embedding, gen)
                    VALUES ($path, $size, $mtime, $sha, $w, $h, $taken, $key, $emb, $gen)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, sha256 = excluded.sha256,
                        width = excluded.width, height = excluded.height, taken_at = excluded.taken_at,
                        vector_key = excluded.vector_key, embedding = excluded.embedding, gen = excluded.gen
                    """;
                var pPath = upsert.Parameters.Add("$path", SqliteType.Text);
                var pSize = upsert.Parameters.Add("$size", SqliteType.Integer);
                var pMtime = upsert.Parameters.Add("$mtime", SqliteType.Integer);
                var pSha = upsert.Parameters.Add("$sha", SqliteType.Text);
                var pW = upsert.Parameters.Add("$w", SqliteType.Integer);
                var pH = upsert.Parameters.Add("$h", SqliteType.Integer);
                var pTaken = upsert.Parameters.Add("$taken", SqliteType.Integer);
                var pKey = upsert.Parameters.Add("$key", SqliteType.Text);
                var pEmb = upsert.Parameters.Add("$emb", SqliteType.Blob);
                upsert.Parameters.AddWithValue("$gen", generation);
                clearFailure.Transaction = tx;
                clearFailure.CommandText = "DELETE FROM failures WHERE path = $path";
                var pClear = clearFailure.Parameters.Add("$path", SqliteType.Text);
                foreach (var f in batch.Upserts)
                {
                    if (f.Embedding is null)
                    {
                        throw new ArgumentException($"The record of {f.Path} has no embedding.", nameof(batch));
                    }

                    pPath.Value = f.Path;
                    pSize.Value = f.Size;
                    pMtime.Value = f.ModifiedUtc.Ticks;
                    pSha.Value = f.Sha256;
                    pW.Value = f.Width;
                    pH.Value = f.Height;
                    pTaken.Value = f.TakenAt is { } t ? t.Ticks : DBNull.Value;
                    pKey.Value = f.VectorKey;
                    pEmb.Value = StoredVectorCodec.Encode(f.Embedding, precision);
                    upsert.ExecuteNonQuery();
                    pClear.Value = f.Path;
                    clearFailure.ExecuteNonQuery();
                }
            }

            using (var nonImage = _connection.CreateCommand())
            using (var clear = _connection.CreateCommand())
            {
                nonImage.Transaction = tx;
                nonImage.CommandText = """
                    INSERT INTO non_images(path, size, mtime) VALUES ($path, $size, $mtime)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime
                    """;
                var pPath = nonImage.Parameters.Add("$path", SqliteType.Text);
                var pSize = nonImage.Parameters.Add("$size", SqliteType.Integer);
                var pMtime = nonImage.Parameters.Add("$mtime", SqliteType.Integer);
                clear.Transaction = tx;
                clear.CommandText = "DELETE FROM files WHERE path = $path; DELETE FROM failures WHERE path = $path";
                var pClear = clear.Parameters.Add("$path", SqliteType.Text);
                foreach (var f in batch.NonImages)
                {
                    pPath.Value = f.Path;
                    pSize.Value = f.Size;
                    pMtime.Value = f.ModifiedUtc.Ticks;
                    nonImage.ExecuteNonQuery();
                    pClear.Value = f.Path;
                    clear.ExecuteNonQuery();
                }

                // A path that is (again) an image or a failure is no longer a non-image.
                clear.CommandText = "DELETE FROM non_images WHERE path = $path";
                foreach (string path in batch.Upserts.Select(u => u.Path).Concat(batch.Failures.Select(f => f.Path)).Concat(batch.Deletes))
                {
                    pClear.Value = path;
                    clear.ExecuteNonQuery();
                }
            }

            using (var fail = _connection.CreateCommand())
            using (var dropFile = _connection.CreateCommand())
            {
                fail.Transaction = tx;
                fail.CommandText = """
                    INSERT INTO failures(path, size, mtime, vector_key, reason) VALUES ($path, $size, $mtime, $key, $reason)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, vector_key = excluded.vector_key, reason = excluded.reason
                    """;
                var pPath = fail.Parameters.Add("$path", SqliteType.Text);
                var pSize = fail.Parameters.Add("$size", SqliteType.Integer);
                var pMtime = fail.Parameters.Add("$mtime", SqliteType.Integer);
                var pKey = fail.Parameters.Add("$key", SqliteType.Text);
                var pReason = fail.Parameters.Add("$reason", SqliteType.Text);
                dropFile.Transaction = tx;
                dropFile.CommandText = "DELETE FROM files WHERE path = $path";
                var pDrop = dropFile.Parameters.Add("$path", SqliteType.Text);
                foreach (var f in batch.Failures)
                {
                    pPath.Value = f.Path;
                    pSize.Value = f.Size;
                    pMtime.Value = f.ModifiedUtc.Ticks;
                    pKey.Value = f.VectorKey;
                    pReason.Value = f.Reason;
                    fail.ExecuteNonQuery();
                    pDrop.Value = f.Path;
                    dropFile.ExecuteNonQuery();
                }

                dropFile.CommandText = "DELETE FROM files WHERE path = $path; DELETE FROM failures WHERE path = $path";
                foreach (string path in batch.Deletes)
                {
                    pDrop.Value = path;
                    dropFile.ExecuteNonQuery();
                }
            }

            tx.Commit();
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IndexCounts> GetCountsAsync(CancellationToken cancellationToken = default) => Locked(() =>
    {
        string key = (SqliteStatements.ReadMeta(_connection, "model_id") ?? "") + "|" + (SqliteStatements.ReadMeta(_connection, "preprocess_fingerprint") ?? "");
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM files WHERE vector_key = $k), (SELECT COUNT(*) FROM failures)";
        cmd.Parameters.AddWithValue("$k", key);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        long files = reader.GetInt64(0), current = reader.GetInt64(1);
        return new IndexCounts(files, current, files - current, reader.GetInt64(2));
    }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> GetGenerationAsync(CancellationToken cancellationToken = default)
        => Locked(() => long.Parse(SqliteStatements.ReadMeta(_connection, "generation") ?? "0", CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>Runs SQLite's integrity check; returns "ok" for a sound database.</summary>
    public Task<string> CheckIntegrityAsync(CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }, cancellationToken);

    /// <summary>
    /// Reads the current vectors into one snapshot for search: ids, paths, dates and a row-major float matrix.
    /// </summary>
    internal Task<VectorSnapshot> LoadSnapshotAsync(CancellationToken cancellationToken = default) => Locked(() =>
    {
        // One read transaction: generation, precision and rows from the same state of the database, even while another
        // process commits or converts the vectors.
        using var tx = _connection.BeginTransaction(deferred: true);
        long generation = long.Parse(SqliteStatements.ReadMeta(_connection, "generation", tx) ?? "0", CultureInfo.InvariantCulture);
        Precision = SqliteSchema.ReadPrecision(_connection, Folder, tx);
        string key = (SqliteStatements.ReadMeta(_connection, "model_id", tx) ?? "") + "|" + (SqliteStatements.ReadMeta(_connection, "preprocess_fingerprint", tx) ?? "");
        int dim = int.Parse(SqliteStatements.ReadMeta(_connection, "dimension", tx) ?? "0", CultureInfo.InvariantCulture);
        using var count = _connection.CreateCommand();
        count.Transaction = tx;
        count.CommandText = "SELECT COUNT(*) FROM files WHERE vector_key = $k";
        count.Parameters.AddWithValue("$k", key);
        int n = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        var snapshot = new VectorSnapshot(generation, key, dim, n, Precision);
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT id, path, sha256, taken_at, embedding, gen, size, mtime FROM files WHERE vector_key = $k ORDER BY path";
        cmd.Parameters.AddWithValue("$k", key);
        using var reader = cmd.ExecuteReader();
        int row = 0;
        while (reader.Read() && row < n)
        {
            cancellationToken.ThrowIfCancellationRequested();
            snapshot.Ids[row] = reader.GetInt64(0);
            snapshot.Paths[row] = reader.GetString(1);
            snapshot.Sha256[row] = reader.GetString(2);
            snapshot.TakenAt[row] = reader.IsDBNull(3) ? null : new DateTime(reader.GetInt64(3), DateTimeKind.Unspecified);
            byte[] blob = (byte[])reader.GetValue(4);
            if (!snapshot.SetRow(row, blob))
            {
                int expected = dim * VectorSnapshot.StoredBytesPerValue(Precision);
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the vector of {snapshot.Paths[row]} has {blob.Length} bytes, expected {expected}", Folder);
            }

            snapshot.RowGeneration[row] = reader.GetInt64(5);
            snapshot.Sizes[row] = reader.GetInt64(6);
            snapshot.ModifiedUtc[row] = new DateTime(reader.GetInt64(7), DateTimeKind.Utc);
            row++;
        }

        snapshot.Truncate(row);
        return snapshot;
    }, cancellationToken);

    private IndexedFile ReadFile(SqliteDataReader reader, bool withEmbedding) => new()
    {
        Id = reader.GetInt64(0),
        Path = reader.GetString(1),
        Size = reader.GetInt64(2),
        ModifiedUtc = new DateTime(reader.GetInt64(3), DateTimeKind.Utc),
        Sha256 = reader.GetString(4),
        Width = reader.GetInt32(5),
        Height = reader.GetInt32(6),
        TakenAt = reader.IsDBNull(7) ? null : new DateTime(reader.GetInt64(7), DateTimeKind.Unspecified),
        VectorKey = reader.GetString(8),
        Embedding = withEmbedding
            ? StoredVectorCodec.Decode((byte[])reader.GetValue(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetString(1), Folder)
            : null,
    };

    private async Task<T> Locked<T>(Func<T> action, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return action();
        }
        catch (SqliteException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Io, "index database error: " + ex.Message, Folder, ex);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Closes the database.</summary>
    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        _lock.Dispose();
        return ValueTask.CompletedTask;
    }
}
