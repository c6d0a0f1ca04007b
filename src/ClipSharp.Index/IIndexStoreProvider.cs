namespace ClipSharp.Index;

/// <summary>
/// Opens indexes of a backend other than the embedded folder from a location string (a database URL or connection
/// string). ClipSharp.Postgres provides one for <c>postgres://…</c> and <c>Host=…</c>; <see cref="IndexStores"/>
/// opens index folders itself, so opening a folder needs no database driver.
/// </summary>
public interface IIndexStoreProvider
{
    /// <summary>True when <paramref name="location"/> names a store of this backend.</summary>
    bool Recognises(string location);

    /// <summary>Opens (creating when needed) the index at <paramref name="location"/>.</summary>
    /// <exception cref="ClipSharpException">The store cannot be reached or read.</exception>
    Task<IPhotoIndex> OpenAsync(string location, CancellationToken cancellationToken = default);
}
