namespace ClipSharp.Index;

/// <summary>
/// Upgrades an index whose model id comes from an older release (which hashed the model folder, its name and its
/// caches) to the model's content id, without re-embedding: when the recorded id is not the embedder's but the
/// embedder recognises it as a former id of the same model (<see cref="IClipEmbedder.IsFormerModelId"/>), the store
/// renames the model id and its vector keys in one transaction. The indexer does this before it diffs; commands that
/// query an index with a model call it before comparing ids.
/// </summary>
public static class ModelIdUpgrade
{
    /// <summary>
    /// Adopts <paramref name="embedder"/>'s model id in <paramref name="store"/> when the store records a former id of
    /// the same model; returns what was adopted (for the caller to tell the user), or null when nothing changed: an
    /// empty index, the same id, or an id of another model (which the caller handles as before).
    /// </summary>
    public static async Task<ModelIdAdoption?> AdoptAsync(IIndexStore store, IClipEmbedder embedder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embedder);
        var meta = await store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (meta is null || meta.ModelId == embedder.ModelId || !embedder.IsFormerModelId(meta.ModelId))
        {
            return null;
        }

        // False: another process changed the recorded id meanwhile; what it recorded now is compared by the caller.
        return await store.ReplaceModelIdAsync(meta.ModelId, embedder.ModelId, cancellationToken).ConfigureAwait(false)
            ? new ModelIdAdoption(meta.ModelId, embedder.ModelId)
            : null;
    }
}
