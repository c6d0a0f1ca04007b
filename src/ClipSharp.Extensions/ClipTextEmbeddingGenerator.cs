using Microsoft.Extensions.AI;

namespace ClipSharp.Extensions;

/// <summary>CLIP text embeddings through <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: normalised, batched by the embedder.</summary>
public sealed class ClipTextEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly IClipEmbedder _embedder;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Wraps <paramref name="embedder"/> (e.g. a <see cref="ClipModelEmbedder"/>); the generator does not own it.</summary>
    public ClipTextEmbeddingGenerator(IClipEmbedder embedder)
    {
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _metadata = ClipEmbeddingGeneratorChecks.Metadata(embedder);
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ClipEmbeddingGeneratorChecks.CheckDimensions(options, _embedder);
        string[] texts = values.ToArray();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ClipEmbeddingGeneratorChecks.Wrap(_embedder.EmbedTexts(texts), _embedder.ModelName));
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
        => ClipEmbeddingGeneratorChecks.GetService(this, _metadata, _embedder, serviceType, serviceKey);

    /// <summary>Does nothing: the embedder belongs to whoever created it (the DI container, with AddClipSharp).</summary>
    public void Dispose()
    {
    }
}
