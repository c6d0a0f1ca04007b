using ClipSharp.Index;

namespace ClipSharp.Postgres;

/// <summary>
/// Opens an index of either backend from one string: a PostgreSQL URL (<c>postgres://user@host/db?schema=…</c>) or
/// Npgsql connection string (<c>Host=…;Database=…</c>) opens <see cref="PostgresPhotoIndex"/>; anything else is an
/// index folder and opens the embedded <see cref="PhotoIndex"/>. What <c>--store</c>, <c>$CLIPSHARP_STORE</c> and
/// <c>serve --store</c> go through.
/// </summary>
public static class IndexStoreFactory
{
    /// <summary>The environment variable that names the store when no option does.</summary>
    public const string StoreEnvironmentVariable = "CLIPSHARP_STORE";

    /// <summary>True when <paramref name="storeOrIndexPath"/> names a PostgreSQL database.</summary>
    public static bool IsPostgres(string? storeOrIndexPath) => PostgresStoreOptions.IsPostgres(storeOrIndexPath);

    /// <summary>
    /// Opens (creating when needed) the index named by <paramref name="storeOrIndexPath"/>: its store and search.
    /// </summary>
    /// <exception cref="ClipSharpException">The database cannot be reached, or the index is from a newer ClipSharp.</exception>
    public static async Task<IPhotoIndex> OpenAsync(string storeOrIndexPath, PhotoIndexOptions? embeddedOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storeOrIndexPath);
        return IsPostgres(storeOrIndexPath)
            ? await PostgresPhotoIndex.OpenAsync(PostgresStoreOptions.Parse(storeOrIndexPath), cancellationToken).ConfigureAwait(false)
            : PhotoIndex.Open(storeOrIndexPath, embeddedOptions);
    }

    /// <summary>Synchronous <see cref="OpenAsync"/>, for hosts that configure services synchronously.</summary>
    /// <exception cref="ClipSharpException">The database cannot be reached, or the index is from a newer ClipSharp.</exception>
    public static IPhotoIndex Open(string storeOrIndexPath, PhotoIndexOptions? embeddedOptions = null)
        => OpenAsync(storeOrIndexPath, embeddedOptions).GetAwaiter().GetResult();
}
