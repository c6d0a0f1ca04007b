using ClipSharp.Imaging;

namespace ClipSharp;

/// <summary>
/// Where embeddings come from: <see cref="ClipModelEmbedder"/> over a <see cref="ClipModel"/>, or any other source (the
/// tests use one deterministic fake). The photo index uses the identity (<see cref="ModelId"/>,
/// <see cref="IsFormerModelId"/>, <see cref="PreprocessFingerprint"/>) and <see cref="EmbedImageFiles"/>; the server
/// batches uploads through the encoded-image steps (<see cref="EstimateDecodeBytes"/> against
/// <see cref="DecodeMemory"/>, <see cref="Preprocess"/>, <see cref="EmbedPixels"/>); both embed texts. Every embedding
/// is L2-normalised. Implementations are thread-safe.
/// </summary>
public interface IClipEmbedder
{
    /// <summary>The model's display name (its folder's name for a <see cref="ClipModel"/>).</summary>
    string ModelName { get; }

    /// <summary>Identifies the model weights; an index's vectors from another id are rebuilt.</summary>
    string ModelId { get; }

    /// <summary>Identifies the image decoding and preprocessing; an index's vectors from another fingerprint are rebuilt.</summary>
    string PreprocessFingerprint { get; }

    /// <summary>
    /// True when <paramref name="modelId"/> is an id an older release gave this same model, so an index that records
    /// it adopts <see cref="ModelId"/> in place instead of re-embedding. Default: false.
    /// </summary>
    bool IsFormerModelId(string modelId) => false;

    /// <summary>The embedding width.</summary>
    int Dimension { get; }

    /// <summary>The softmax scale for zero-shot probabilities.</summary>
    float LogitScale { get; }

    /// <summary>How many images one <see cref="EmbedImageFiles"/> or <see cref="EmbedPixels"/> call should get for the best throughput.</summary>
    int PreferredBatchSize { get; }

    /// <summary>The number of floats one preprocessed image takes (what <see cref="Preprocess"/> writes).</summary>
    int PixelsPerImage { get; }

    /// <summary>The budget image decodes reserve memory from before <see cref="Preprocess"/> (shared with the rest of the process).</summary>
    DecodeMemoryBudget DecodeMemory { get; }

    /// <summary>Loads whatever is loaded lazily, so the first request does not pay for it.</summary>
    void Warm();

    /// <summary>Embeds texts into <paramref name="destination"/> ([count, <see cref="Dimension"/>]), in order.</summary>
    void EmbedTexts(IReadOnlyList<string> texts, Span<float> destination);

    /// <summary>
    /// Embeds image files: one result per path, in order; a file that fails has <see cref="ImageEmbeddingResult.Error"/>
    /// set and never stops the others.
    /// </summary>
    IReadOnlyList<ImageEmbeddingResult> EmbedImageFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default);

    /// <summary>
    /// Estimates from the header alone the peak bytes <see cref="Preprocess"/> needs for <paramref name="data"/>: what to
    /// reserve from <see cref="DecodeMemory"/> first.
    /// </summary>
    /// <exception cref="ClipSharpException">Not an image, a corrupt header, or more than <paramref name="maxPixels"/> pixels.</exception>
    long EstimateDecodeBytes(ReadOnlySpan<byte> data, string? name, long maxPixels);

    /// <summary>
    /// Decodes encoded image bytes and writes the model input into <paramref name="destination"/>
    /// (<see cref="PixelsPerImage"/> values). The caller reserves <see cref="EstimateDecodeBytes"/> from <see cref="DecodeMemory"/> first.
    /// </summary>
    /// <exception cref="ClipSharpException">Not an image, unsupported, corrupt, or more than <paramref name="maxPixels"/> pixels.</exception>
    void Preprocess(ReadOnlySpan<byte> data, string? name, long maxPixels, Span<float> destination);

    /// <summary>Embeds <paramref name="count"/> preprocessed images into <paramref name="destination"/> ([count, <see cref="Dimension"/>]).</summary>
    void EmbedPixels(ReadOnlySpan<float> pixels, int count, Span<float> destination);
}
