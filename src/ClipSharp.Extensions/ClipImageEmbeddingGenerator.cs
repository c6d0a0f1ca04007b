using ClipSharp.Imaging;
using Microsoft.Extensions.AI;

namespace ClipSharp.Extensions;

/// <summary>
/// CLIP image embeddings through <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: inputs are
/// <see cref="DataContent"/> with an image media type (bytes, or a data: URI); the format is sniffed from the bytes.
/// Each image is decoded after reserving its decode memory from the embedder's <see cref="IClipEmbedder.DecodeMemory"/>,
/// as the server does, so many large images at once wait (or are refused) instead of exhausting memory.
/// </summary>
public sealed class ClipImageEmbeddingGenerator : IEmbeddingGenerator<DataContent, Embedding<float>>
{
    /// <summary>The longest an image waits for decode memory by default.</summary>
    public static readonly TimeSpan DefaultDecodeMemoryWait = TimeSpan.FromSeconds(30);

    private readonly IClipEmbedder _embedder;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly long _maxPixels;
    private readonly TimeSpan _decodeMemoryWait;

    /// <summary>
    /// Wraps <paramref name="embedder"/> (not owned). Images of more than <paramref name="maxPixels"/> pixels (default:
    /// <see cref="ImageDecodeOptions.MaxPixels"/>'s default) are refused; an image waits at most
    /// <paramref name="decodeMemoryWait"/> (default <see cref="DefaultDecodeMemoryWait"/>) for decode memory.
    /// </summary>
    public ClipImageEmbeddingGenerator(IClipEmbedder embedder, long? maxPixels = null, TimeSpan? decodeMemoryWait = null)
    {
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _maxPixels = maxPixels ?? new ImageDecodeOptions().MaxPixels;
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxPixels, 1, nameof(maxPixels));
        _decodeMemoryWait = decodeMemoryWait ?? DefaultDecodeMemoryWait;
        _metadata = ClipEmbeddingGeneratorChecks.Metadata(embedder);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A content is not an image media type.</exception>
    /// <exception cref="ClipSharpException">An image cannot be decoded, is too large, or the decode memory is overloaded.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ClipEmbeddingGeneratorChecks.CheckDimensions(options, _embedder);
        var images = new List<(ReadOnlyMemory<byte> Data, string? Name)>();
        int i = 0;
        foreach (var content in values)
        {
            ArgumentNullException.ThrowIfNull(content, nameof(values));
            if (!content.HasTopLevelMediaType("image"))
            {
                throw new ArgumentException($"Input {i} has media type '{content.MediaType}'; an image/* type is needed.", nameof(values));
            }

            images.Add((content.Data, content.Name ?? $"input {i}"));
            i++;
        }

        float[][] vectors = await _embedder.EmbedEncodedImagesAsync(images, _maxPixels, _decodeMemoryWait, cancellationToken).ConfigureAwait(false);
        return ClipEmbeddingGeneratorChecks.Wrap(vectors, _embedder.ModelName);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
        => ClipEmbeddingGeneratorChecks.GetService(this, _metadata, _embedder, serviceType, serviceKey);

    /// <summary>Does nothing: the embedder belongs to whoever created it.</summary>
    public void Dispose()
    {
    }
}
