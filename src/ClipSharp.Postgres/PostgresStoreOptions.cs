using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace ClipSharp.Postgres;

/// <summary>How vectors are stored in PostgreSQL.</summary>
public enum PostgresVectorType
{
    /// <summary>pgvector <c>vector(d)</c>: 4 bytes per value, exact scores.</summary>
    Vector,

    /// <summary>pgvector <c>halfvec(d)</c>: 2 bytes per value (half the size; scores within about 1e-3).</summary>
    HalfVec,
}

/// <summary>
/// Where and how a PostgreSQL index is stored. Parse one from a store string with <see cref="Parse"/>: a URL
/// <c>postgres://user[:password]@host[:port]/db?schema=clipsharp&amp;vector=halfvec&amp;hnsw_m=16&amp;hnsw_ef_construction=64&amp;hnsw_ef_search=40&amp;hnsw_threshold=10000&amp;sslmode=disable</c>,
/// or an Npgsql connection string (<c>Host=…;Database=…</c>) with the same settings as keys <c>Schema</c>,
/// <c>Vector Type</c>, <c>HNSW M</c>, <c>HNSW EF Construction</c>, <c>HNSW EF Search</c>, <c>HNSW Threshold</c>.
/// </summary>
public sealed partial record PostgresStoreOptions
{
    /// <summary>The Npgsql connection string (without the ClipSharp settings).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The schema that holds the index's tables (default <c>clipsharp</c>); created when missing.</summary>
    public string Schema { get; init; } = "clipsharp";

    /// <summary>The column type of the vectors, fixed when the schema is created (default <see cref="PostgresVectorType.Vector"/>).</summary>
    public PostgresVectorType VectorType { get; init; } = PostgresVectorType.Vector;

    /// <summary>HNSW: links per node (pgvector <c>m</c>, default 16).</summary>
    public int HnswM { get; init; } = 16;

    /// <summary>HNSW: candidate list size while building (pgvector <c>ef_construction</c>, default 64).</summary>
    public int HnswEfConstruction { get; init; } = 64;

    /// <summary>HNSW: candidate list size while searching (pgvector <c>hnsw.ef_search</c>, default 40; raised to the limit).</summary>
    public int HnswEfSearch { get; init; } = 40;

    /// <summary>
    /// The HNSW index is created (by <see cref="PostgresPhotoIndex.PrepareAsync"/>, after a bulk load) once the index holds at
    /// least this many current vectors (default 10 000); below it the exact scan is fast enough.
    /// </summary>
    public int HnswThreshold { get; init; } = 10_000;

    /// <summary>
    /// Prepare the batched ingestion statements on the server. Default (null): yes, except on PGlite, where all
    /// connections share one backend and their prepared statement names collide (there, set true only with a pool
    /// of one connection).
    /// </summary>
    public bool? PrepareStatements { get; init; }

    /// <summary>The schema name, checked: lower-case letters, digits and underscores, not starting with a digit.</summary>
    internal string QuotedSchema => SchemaName().IsMatch(Schema)
        ? "\"" + Schema + "\""
        : throw new ClipSharpException(ClipErrorKind.InvalidInput, "a schema name is lower-case letters, digits and _ (at most 63)", Schema);

    /// <summary>The pgvector type name of the vector column.</summary>
    internal string VectorTypeName => VectorType == PostgresVectorType.HalfVec ? "halfvec" : "vector";

    /// <summary>Host, port, database and user, never the password: for messages.</summary>
    public string DisplayName
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            string user = string.IsNullOrEmpty(b.Username) ? "" : b.Username + "@";
            return string.Create(CultureInfo.InvariantCulture, $"postgres://{user}{b.Host}:{b.Port}/{b.Database} (schema {Schema})");
        }
    }

    /// <summary>True when <paramref name="store"/> names a PostgreSQL database rather than an index folder.</summary>
    public static bool IsPostgres(string? store)
    {
        if (string.IsNullOrWhiteSpace(store))
        {
            return false;
        }

        string s = store.Trim();
        return s.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || (s.Contains('=', StringComparison.Ordinal) && s.Contains("host", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(s));
    }

    /// <summary>Reads a URL or an Npgsql connection string with optional ClipSharp settings (see the type's summary).</summary>
    /// <exception cref="ClipSharpException">The string is not a valid URL or connection string, or a setting is bad.</exception>
    public static PostgresStoreOptions Parse(string store)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(store);
        try
        {
            return store.Contains("://", StringComparison.Ordinal) ? ParseUrl(store.Trim()) : ParseKeyValues(store);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException or KeyNotFoundException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "not a valid PostgreSQL store: " + ex.Message, Redact(store), ex);
        }
    }

    private static PostgresStoreOptions ParseUrl(string url)
    {
        var uri = new Uri(url);
        if (uri.Scheme is not ("postgres" or "postgresql"))
        {
            throw new FormatException("the URL scheme must be postgres:// or postgresql://");
        }

        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432 };
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            b.Database = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(kv[0]).Replace('_', ' ');
            string value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                key = "SSL Mode";
            }

            settings[key] = value;
        }

        return Build(b, settings);
    }

    private static PostgresStoreOptions ParseKeyValues(string text)
    {
        var raw = new DbConnectionStringBuilder { ConnectionString = text };
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string key in raw.Keys)
        {
            settings[key] = Convert.ToString(raw[key], CultureInfo.InvariantCulture) ?? "";
        }

        return Build(new NpgsqlConnectionStringBuilder(), settings);
    }

    private static PostgresStoreOptions Build(NpgsqlConnectionStringBuilder b, Dictionary<string, string> settings)
    {
        var o = new PostgresStoreOptions { ConnectionString = "" };
        foreach (var (key, value) in settings)
        {
            switch (key.ToUpperInvariant())
            {
                case "SCHEMA":
                    o = o with { Schema = value };
                    break;
                case "VECTOR":
                case "VECTOR TYPE":
                    o = o with
                    {
                        VectorType = value.ToUpperInvariant() switch
                        {
                            "VECTOR" => PostgresVectorType.Vector,
                            "HALFVEC" => PostgresVectorType.HalfVec,
                            _ => throw new FormatException($"vector type \"{value}\" is neither vector nor halfvec"),
                        },
                    };
                    break;
                case "HNSW M":
                    o = o with { HnswM = Positive(key, value) };
                    break;
                case "HNSW EF CONSTRUCTION":
                    o = o with { HnswEfConstruction = Positive(key, value) };
                    break;
                case "HNSW EF SEARCH":
                    o = o with { HnswEfSearch = Positive(key, value) };
                    break;
                case "PREPARE":
                case "PREPARE STATEMENTS":
                    o = o with { PrepareStatements = bool.Parse(value) };
                    break;
                case "HNSW THRESHOLD":
                    o = o with { HnswThreshold = int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) };
                    break;
                default:
                    b[key] = value;
                    break;
            }
        }

        _ = o.QuotedSchema;
        return o with { ConnectionString = b.ConnectionString };
    }

    private static int Positive(string key, string value)
        => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"{key} must be a positive integer, not \"{value}\"");

    /// <summary>The store string without a password, for messages.</summary>
    internal static string Redact(string store) => Password().Replace(store ?? "", "${1}***");

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    [GeneratedRegex(@"((?:password|pwd)\s*=\s*|://[^:/@]*:)[^;@]*", RegexOptions.IgnoreCase)]
    private static partial Regex Password();
}
