using ClipSharp.Imaging;

namespace ClipSharp.Server;

/// <summary>The real backend: a loaded <see cref="ClipModel"/>, its decoder and preprocessing.</summary>
public sealed class ClipModelBackend : IClipBackend, IDisposable
{
    private readonly ClipModel _model;
    private readonly bool _ownsModel;

    /// <summary>Wraps <paramref name="model"/>; disposes it with this backend when <paramref name="ownsModel"/> is true.</summary>
    public ClipModelBackend(ClipModel model, bool ownsModel = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ownsModel = ownsModel;
    }

    /// <summary>The wrapped model.</summary>
    public ClipModel Model => _model;

    /// <inheritdoc/>
    public string ModelName => _model.Name;

    /// <inheritdoc/>
    public int Dimension => _model.EmbeddingDimension;

    /// <inheritdoc/>
    public int PixelsPerImage => 3 * _model.ImageSize * _model.ImageSize;

    /// <inheritdoc/>
    public float LogitScale => _model.LogitScale;

    /// <inheritdoc/>
    public DecodeMemoryBudget DecodeMemory => _model.DecodeMemory;

    /// <inheritdoc/>
    public void Warm() => _model.Warm();

    /// <inheritdoc/>
    public void Preprocess(ReadOnlySpan<byte> data, string? name, long maxPixels, Span<float> destination)
        => _model.PreprocessEncoded(data, name, DecodeOptions(maxPixels), destination);

    /// <inheritdoc/>
    public long EstimateDecodeBytes(ReadOnlySpan<byte> data, string? name, long maxPixels)
        => _model.EstimateImageMemory(data, name, DecodeOptions(maxPixels));

    // Exact decode (no DCT scaling): the server's answers match the library's reference-exact path.
    private static ImageDecodeOptions DecodeOptions(long maxPixels) => new() { MaxPixels = maxPixels, ApplyExifOrientation = true };

    /// <inheritdoc/>
    public void EmbedTexts(IReadOnlyList<string> texts, Span<float> destination)
    {
        float[][] vectors = _model.EncodeTexts(texts);
        int dim = Dimension;
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i].CopyTo(destination.Slice(i * dim, dim));
        }
    }

    /// <inheritdoc/>
    public void EmbedPixels(ReadOnlySpan<float> pixels, int count, Span<float> destination) => _model.EncodePixels(pixels, count, destination);

    /// <summary>Disposes the model when this backend owns it.</summary>
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
