namespace ClipSharp.Index;

/// <summary>
/// Where an index gets its embeddings: <see cref="ClipModelEmbedder"/> over a <see cref="ClipModel"/>, or any
/// other source (tests use a deterministic fake). Implementations are thread-safe.
/// </summary>
public interface IClipEmbedder
{
    /// <summary>Identifies the model weights; vectors from another id are rebuilt.</summary>
    string ModelId { get; }

    /// <summary>Identifies the image decoding and preprocessing; vectors from another fingerprint are rebuilt.</summary>
    string PreprocessFingerprint { get; }

    /// <summary>
    /// True when <paramref name="modelId"/> is an id an older release gave this same model, so an index that records
    /// it adopts <see cref="ModelId"/> in place instead of re-embedding (<see cref="ModelIdUpgrade"/>). Default: false.
    /// </summary>
    bool IsFormerModelId(string modelId) => false;

    /// <summary>The embedding width.</summary>
    int Dimension { get; }

    /// <summary>How many images one <see cref="EmbedImageFiles"/> call should get for the best throughput.</summary>
    int PreferredBatchSize { get; }

    /// <summary>
    /// Embeds image files: one result per path, in order; a file that fails has <see cref="ImageEmbeddingResult.Error"/>
    /// set and never stops the others. Embeddings are L2-normalised.
    /// </summary>
    IReadOnlyList<ImageEmbeddingResult> EmbedImageFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default);

    /// <summary>Embeds texts (normalised), in order.</summary>
    IReadOnlyList<float[]> EmbedTexts(IReadOnlyList<string> texts);
}
