using ClipSharp.Index;

namespace ClipSharp.Postgres;

/// <summary>
/// Opens an index of either backend from one string: <see cref="IndexStores.OpenAsync"/> with PostgreSQL plugged in
/// (<see cref="PostgresIndexStoreProvider"/>), so a PostgreSQL URL or connection string opens
/// <see cref="PostgresPhotoIndex"/> and anything else is an index folder (the embedded <see cref="PhotoIndex"/>).
/// Opening folders alone needs only ClipSharp.Index.
/// </summary>
public static class IndexStoreFactory
{
    /// <summary>The environment variable that names the store when no option does.</summary>
    public const string StoreEnvironmentVariable = IndexStores.StoreEnvironmentVariable;

    /// <summary>True when <paramref name="storeOrIndexPath"/> names a PostgreSQL database.</summary>
    public static bool IsPostgres(string? storeOrIndexPath) => PostgresStoreOptions.IsPostgres(storeOrIndexPath);

    /// <summary>
    /// Opens (creating when needed) the index named by <paramref name="storeOrIndexPath"/>: its store and search.
    /// </summary>
    /// <exception cref="ClipSharpException">The database cannot be reached, or the index is from a newer ClipSharp.</exception>
    public static Task<IPhotoIndex> OpenAsync(string storeOrIndexPath, PhotoIndexOptions? embeddedOptions = null, CancellationToken cancellationToken = default)
        => IndexStores.OpenAsync(storeOrIndexPath, PostgresIndexStoreProvider.All, embeddedOptions, cancellationToken);

    /// <summary>Synchronous <see cref="OpenAsync"/>, for hosts that configure services synchronously.</summary>
    /// <exception cref="ClipSharpException">The database cannot be reached, or the index is from a newer ClipSharp.</exception>
    public static IPhotoIndex Open(string storeOrIndexPath, PhotoIndexOptions? embeddedOptions = null)
        => OpenAsync(storeOrIndexPath, embeddedOptions).GetAwaiter().GetResult();
}
