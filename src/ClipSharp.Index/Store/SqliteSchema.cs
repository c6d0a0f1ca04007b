using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ClipSharp.Index;

/// <summary>
/// The schema of the SQLite index: creates it in a new database and checks the version of an existing one.
/// </summary>
/// <remarks>
/// Versions: 1 holds float32 vectors; 2 adds float16 ones. A database records the lowest version that can read it, so
/// a float32 index stays readable by every release.
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>The schema version a database with float32 vectors records.</summary>
    private const int Float32SchemaVersion = 1;

    /// <summary>Creates the schema of a new database; returns the vector precision of the database.</summary>
    public static VectorPrecision Migrate(SqliteConnection connection, string folder, VectorPrecision forNew)
    {
        SqliteStatements.Execute(connection, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """);
        string? version = SqliteStatements.ReadMeta(connection, "schema_version");
        if (version is null)
        {
            using var tx = connection.BeginTransaction();
            SqliteStatements.Execute(connection, """
                CREATE TABLE files (
                    id INTEGER PRIMARY KEY,
                    path TEXT NOT NULL UNIQUE,
                    size INTEGER NOT NULL,
                    mtime INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    taken_at INTEGER NULL,
                    vector_key TEXT NOT NULL,
                    embedding BLOB NOT NULL,
                    gen INTEGER NOT NULL
                );
                CREATE INDEX files_sha256 ON files(sha256);
                CREATE INDEX files_taken_at ON files(taken_at);
                CREATE TABLE failures (
                    path TEXT PRIMARY KEY,
                    size INTEGER NOT NULL,
                    mtime INTEGER NOT NULL,
                    vector_key TEXT NOT NULL,
                    reason TEXT NOT NULL
                );
                INSERT INTO meta(key, value) VALUES ('generation', '0');
                """, tx);
            WritePrecision(connection, tx, forNew);
            tx.Commit();
            return forNew;
        }

        if (!int.TryParse(version, CultureInfo.InvariantCulture, out int v) || v > SqliteIndexStore.SchemaVersion)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the index has schema version {version}; this ClipSharp reads versions up to {SqliteIndexStore.SchemaVersion} (upgrade ClipSharp)", folder);
        }

        return ReadPrecision(connection, folder);
    }

    /// <summary>The vector precision the database records (float32 when it records none).</summary>
    public static VectorPrecision ReadPrecision(SqliteConnection connection, string folder, SqliteTransaction? tx = null)
        => SqliteStatements.ReadMeta(connection, "vector_precision", tx) switch
        {
            null or "float32" => VectorPrecision.Float32,
            "float16" => VectorPrecision.Float16,
            var other => throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the index stores vectors as \"{other}\", which this ClipSharp does not know", folder),
        };

    /// <summary>Records the vector precision and the lowest schema version that can read it.</summary>
    public static void WritePrecision(SqliteConnection connection, SqliteTransaction tx, VectorPrecision precision)
    {
        bool half = precision == VectorPrecision.Float16;
        SqliteStatements.WriteMeta(connection, tx, "vector_precision", half ? "float16" : "float32");
        SqliteStatements.WriteMeta(connection, tx, "schema_version", (half ? SqliteIndexStore.SchemaVersion : Float32SchemaVersion).ToString(CultureInfo.InvariantCulture));
    }
}
