using System.Numerics.Tensors;

namespace ClipSharp.Index;

/// <summary>
/// Upgrades an index whose model id comes from the release before content ids (which hashed the model folder, its name
/// and its caches) to the model's content id, without re-embedding the library: when the recorded id has the old form
/// (<c>{name}@{16 hex}</c>) and is not the embedder's, the store renames the model id and its vector keys in one
/// transaction if either rule shows the index was built with this same model:
/// <list type="number">
/// <item>the embedder recognises the id (<see cref="IClipEmbedder.IsFormerModelId"/>: the old hash recomputed over the
/// model folder as it is now, for a <see cref="ClipModelEmbedder"/>); or</item>
/// <item>the old id cannot be recomputed (the cache it took in was replaced), but the model gives the vectors the index
/// holds: up to <see cref="SampleSize"/> indexed files still on disk unchanged (size and time) are embedded again and
/// each must have a cosine of at least <see cref="MinCosine"/> with its stored vector. Another model's vectors are
/// unrelated (cosines near 0); the same model on another processor or runtime, or stored as float16, differs by less
/// than 1e-3. A model whose vectors agree this closely is the same model for search (a tiny change of one weight can
/// pass; the content id it gets from then on still tells it apart).</item>
/// </list>
/// The indexer does this before it diffs; commands that query an index with a model call it before comparing ids.
/// </summary>
public static class ModelIdUpgrade
{
    /// <summary>How many stored vectors the second rule checks (all that are available when fewer).</summary>
    internal const int SampleSize = 3;

    /// <summary>The cosine each re-embedded sample must reach with its stored vector.</summary>
    internal const float MinCosine = 0.999f;

    /// <summary>
    /// Adopts <paramref name="embedder"/>'s model id in <paramref name="store"/> when the store records a former id of
    /// the same model; returns what was adopted (for the caller to tell the user), or null when nothing changed: an
    /// empty index, the same id, an id that is not the old form, or one neither rule ties to this model (the caller
    /// handles that as before: a mismatch error, or the indexer re-embeds).
    /// </summary>
    public static async Task<ModelIdAdoption?> AdoptAsync(IIndexStore store, IClipEmbedder embedder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embedder);
        var meta = await store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (meta is null || meta.ModelId == embedder.ModelId || !ClipModelEmbedder.HasFormerIdForm(meta.ModelId)
            || !(embedder.IsFormerModelId(meta.ModelId) || await GivesTheStoredVectorsAsync(store, meta, embedder, cancellationToken).ConfigureAwait(false)))
        {
            return null;
        }

        // False: another process changed the recorded id meanwhile; what it recorded now is compared by the caller.
        return await store.ReplaceModelIdAsync(meta.ModelId, embedder.ModelId, cancellationToken).ConfigureAwait(false)
            ? new ModelIdAdoption(meta.ModelId, embedder.ModelId)
            : null;
    }

    /// <summary>The second rule: the embedder reproduces the stored vectors of a few unchanged files (false when there are none to check).</summary>
    private static async Task<bool> GivesTheStoredVectorsAsync(IIndexStore store, IndexMetadata meta, IClipEmbedder embedder, CancellationToken cancellationToken)
    {
        // Vectors of another decode mode differ a little by design: only compare like with like.
        if (meta.PreprocessFingerprint != embedder.PreprocessFingerprint || meta.Dimension != embedder.Dimension)
        {
            return false;
        }

        var samples = new List<string>(SampleSize);
        await foreach (var f in store.ListFilesAsync(false, cancellationToken).ConfigureAwait(false))
        {
            var info = new FileInfo(f.Path);
            if (f.VectorKey == meta.VectorKey && info.Exists && info.Length == f.Size && info.LastWriteTimeUtc == f.ModifiedUtc)
            {
                samples.Add(f.Path);
                if (samples.Count == SampleSize)
                {
                    break;
                }
            }
        }

        if (samples.Count == 0)
        {
            return false;
        }

        var results = embedder.EmbedImageFiles(samples, cancellationToken);
        foreach (var r in results)
        {
            var stored = await store.GetByPathAsync(r.Path, true, cancellationToken).ConfigureAwait(false);
            if (r.Embedding is null || stored?.Embedding is not { } vector || vector.Length != r.Embedding.Length
                || TensorPrimitives.CosineSimilarity(vector, r.Embedding) < MinCosine)
            {
                return false;
            }
        }

        return true;
    }
}
