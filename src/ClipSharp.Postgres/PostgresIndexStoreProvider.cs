using ClipSharp.Index;

namespace ClipSharp.Postgres;

/// <summary>
/// Plugs PostgreSQL into <see cref="IndexStores"/>: a PostgreSQL URL (<c>postgres://user@host/db?schema=…</c>) or
/// Npgsql connection string (<c>Host=…;Database=…</c>) opens a <see cref="PostgresPhotoIndex"/>.
/// </summary>
public sealed class PostgresIndexStoreProvider : IIndexStoreProvider
{
    private PostgresIndexStoreProvider()
    {
    }

    /// <summary>The provider.</summary>
    public static PostgresIndexStoreProvider Instance { get; } = new();

    /// <summary>The backends a host that can reach PostgreSQL passes to <see cref="IndexStores"/>: this one.</summary>
    public static IReadOnlyList<IIndexStoreProvider> All { get; } = [Instance];

    /// <inheritdoc/>
    public bool Recognises(string location) => PostgresStoreOptions.IsPostgres(location);

    /// <inheritdoc/>
    public async Task<IPhotoIndex> OpenAsync(string location, CancellationToken cancellationToken = default)
        => await PostgresPhotoIndex.OpenAsync(PostgresStoreOptions.Parse(location), cancellationToken).ConfigureAwait(false);
}
