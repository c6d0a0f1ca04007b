namespace ClipSharp.Server;

/// <summary>
/// The model behind the server: decoding and preprocessing of images and the two towers' inference. The
/// server adds batching, caching, classification and ranking on top. <see cref="ClipModelBackend"/> wraps a
/// <see cref="ClipModel"/>; tests use a deterministic fake.
/// </summary>
public interface IClipBackend
{
    /// <summary>The model's display name.</summary>
    string ModelName { get; }

    /// <summary>The embedding width.</summary>
    int Dimension { get; }

    /// <summary>The number of floats one preprocessed image takes.</summary>
    int PixelsPerImage { get; }

    /// <summary>The softmax scale for probabilities.</summary>
    float LogitScale { get; }

    /// <summary>The budget image decodes reserve memory from before <see cref="Preprocess"/> (shared with the rest of the process).</summary>
    ClipSharp.Imaging.DecodeMemoryBudget DecodeMemory { get; }

    /// <summary>Loads whatever is loaded lazily, so the first request does not pay for it.</summary>
    void Warm();

    /// <summary>
    /// Decodes image bytes and writes the model input into <paramref name="destination"/>
    /// (<see cref="PixelsPerImage"/> values).
    /// </summary>
    /// <exception cref="ClipSharpException">Not an image, unsupported, corrupt, or more than <paramref name="maxPixels"/> pixels.</exception>
    void Preprocess(ReadOnlySpan<byte> data, string? name, long maxPixels, Span<float> destination);

    /// <summary>
    /// Estimates from the header alone the peak bytes <see cref="Preprocess"/> needs for <paramref name="data"/>: what to
    /// reserve from <see cref="DecodeMemory"/> first.
    /// </summary>
    /// <exception cref="ClipSharpException">Not an image, a corrupt header, or more than <paramref name="maxPixels"/> pixels.</exception>
    long EstimateDecodeBytes(ReadOnlySpan<byte> data, string? name, long maxPixels);

    /// <summary>Embeds texts into <paramref name="destination"/> ([count, <see cref="Dimension"/>], normalised).</summary>
    void EmbedTexts(IReadOnlyList<string> texts, Span<float> destination);

    /// <summary>Embeds <paramref name="count"/> preprocessed images into <paramref name="destination"/> ([count, <see cref="Dimension"/>], normalised).</summary>
    void EmbedPixels(ReadOnlySpan<float> pixels, int count, Span<float> destination);
}
