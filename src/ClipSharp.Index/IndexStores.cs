namespace ClipSharp.Index;

/// <summary>
/// Where an index lives and how it is opened, the same for every command and for the server: a store named by an
/// option, else <c>$CLIPSHARP_STORE</c>, else the index folder named by an option, else <c>$CLIPSHARP_INDEX</c>, else
/// <see cref="PhotoIndex.DefaultFolder"/>. Folders open the embedded index here; other backends (PostgreSQL) come in
/// through an <see cref="IIndexStoreProvider"/> the caller passes.
/// </summary>
public static class IndexStores
{
    /// <summary>The environment variable that names the index folder when no option does.</summary>
    public const string IndexEnvironmentVariable = "CLIPSHARP_INDEX";

    /// <summary>The environment variable that names the store (a database or a folder) when no option does.</summary>
    public const string StoreEnvironmentVariable = "CLIPSHARP_STORE";

    /// <summary>
    /// The index to use: <paramref name="store"/>, else (without <paramref name="indexFolder"/>) <c>$CLIPSHARP_STORE</c>,
    /// else the folder <paramref name="indexFolder"/>, <c>$CLIPSHARP_INDEX</c> or the default folder. A store a provider
    /// recognises is returned as given; a folder as a full path.
    /// </summary>
    /// <param name="store">A store named by an option (database or folder), or null.</param>
    /// <param name="indexFolder">An index folder named by an option, or null.</param>
    /// <param name="providers">The backends besides folders.</param>
    public static string Resolve(string? store, string? indexFolder, IEnumerable<IIndexStoreProvider>? providers = null)
    {
        string? named = string.IsNullOrWhiteSpace(store) ? null : store;
        if (named is null && string.IsNullOrWhiteSpace(indexFolder))
        {
            named = Environment.GetEnvironmentVariable(StoreEnvironmentVariable) is { Length: > 0 } env ? env : null;
        }

        if (named is not null && ProviderOf(named, providers) is not null)
        {
            return named;
        }

        string? folder = named ?? (string.IsNullOrWhiteSpace(indexFolder) ? Environment.GetEnvironmentVariable(IndexEnvironmentVariable) : indexFolder);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(folder) ? PhotoIndex.DefaultFolder : folder);
    }

    /// <summary>True when an option or environment variable names an index (else <see cref="Resolve"/> falls back to the default folder).</summary>
    public static bool IsNamed(string? store, string? indexFolder)
        => !string.IsNullOrWhiteSpace(store) || !string.IsNullOrWhiteSpace(indexFolder)
           || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(StoreEnvironmentVariable))
           || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(IndexEnvironmentVariable));

    /// <summary>True when one of <paramref name="providers"/> opens <paramref name="location"/> (it is not a folder).</summary>
    public static bool IsProvided(string location, IEnumerable<IIndexStoreProvider>? providers)
        => ProviderOf(location, providers) is not null;

    /// <summary>Opens (creating when needed) the index at <paramref name="location"/>: a provider's store, else a folder.</summary>
    /// <exception cref="ClipSharpException">The store cannot be reached, or the index is from a newer ClipSharp.</exception>
    public static async Task<IPhotoIndex> OpenAsync(string location, IEnumerable<IIndexStoreProvider>? providers = null, PhotoIndexOptions? embeddedOptions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        return ProviderOf(location, providers) is { } provider
            ? await provider.OpenAsync(location, cancellationToken).ConfigureAwait(false)
            : PhotoIndex.Open(location, embeddedOptions);
    }

    /// <summary>
    /// Opens an index that exists: a folder without an index database, or a store without a recorded model, is an
    /// error that says how to make one (<paramref name="create"/>: the command that fills it, e.g. "clipsharp index DIR… --index").
    /// </summary>
    /// <exception cref="ClipSharpException">There is no index at <paramref name="location"/>, or it cannot be opened.</exception>
    public static async Task<IPhotoIndex> OpenExistingAsync(string location, IEnumerable<IIndexStoreProvider>? providers, string create, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        if (ProviderOf(location, providers) is { } provider)
        {
            var index = await provider.OpenAsync(location, cancellationToken).ConfigureAwait(false);
            if (await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                string where = index.Location;
                await index.DisposeAsync().ConfigureAwait(false);
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the index is empty; fill it with: {create} --store …", where);
            }

            return index;
        }

        if (!File.Exists(Path.Combine(location, SqliteIndexStore.DatabaseFileName)))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"no index here; create it with: {create} --index {location}", location);
        }

        return PhotoIndex.Open(location);
    }

    /// <summary>The model an index records (how it was named when built, else the folder it was loaded from), or null.</summary>
    public static string? RecordedModel(IndexMetadata? metadata)
        => metadata is null ? null : !string.IsNullOrWhiteSpace(metadata.ModelReference) ? metadata.ModelReference : metadata.ModelFolder;

    /// <summary>
    /// Checks that <paramref name="model"/> is the model the index's vectors were made with, and returns the embedder
    /// for querying it (query images decoded as the index's were). An index that records the model under an older
    /// release's id adopts its content id first (<see cref="ModelIdUpgrade"/>); <paramref name="adopted"/> hears of it.
    /// </summary>
    /// <exception cref="ClipSharpException">The index was built with another model.</exception>
    public static async Task<ClipModelEmbedder> EnsureModelAsync(IPhotoIndex index, ClipModel model, Action<ModelIdAdoption>? adopted = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(model);
        var meta = await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        var embedder = new ClipModelEmbedder(model).ForPreprocessFingerprint(meta?.PreprocessFingerprint);
        meta = await AdoptModelIdAsync(index.Store, meta, embedder, adopted, cancellationToken).ConfigureAwait(false);
        if (meta is not null && meta.ModelId != embedder.ModelId)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the index was built with model {meta.ModelId}, not {embedder.ModelId}: pass that model (or omit --model), or re-index with this one", index.Location);
        }

        return embedder;
    }

    /// <summary>
    /// The index's metadata after <see cref="ModelIdUpgrade.AdoptAsync"/>: <paramref name="metadata"/> as it was when the
    /// index already records <paramref name="embedder"/>'s id or records no former id of its model, else read again after
    /// the adoption (which <paramref name="adopted"/> hears of).
    /// </summary>
    public static async Task<IndexMetadata?> AdoptModelIdAsync(IIndexStore store, IndexMetadata? metadata, IClipEmbedder embedder, Action<ModelIdAdoption>? adopted = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embedder);
        if (metadata is null || metadata.ModelId == embedder.ModelId
            || await ModelIdUpgrade.AdoptAsync(store, embedder, cancellationToken).ConfigureAwait(false) is not { } adoption)
        {
            return metadata;
        }

        adopted?.Invoke(adoption);
        return await store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IIndexStoreProvider? ProviderOf(string location, IEnumerable<IIndexStoreProvider>? providers)
        => providers?.FirstOrDefault(p => p.Recognises(location));
}
