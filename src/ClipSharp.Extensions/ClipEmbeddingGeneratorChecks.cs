using Microsoft.Extensions.AI;

namespace ClipSharp.Extensions;

/// <summary>What the text and image generators share: metadata, the dimensions check, wrapping, services.</summary>
internal static class ClipEmbeddingGeneratorChecks
{
    public static EmbeddingGeneratorMetadata Metadata(IClipEmbedder embedder)
        => new("clipsharp", null, embedder.ModelName, embedder.Dimension);

    public static void CheckDimensions(EmbeddingGenerationOptions? options, IClipEmbedder embedder)
    {
        if (options?.Dimensions is int d && d != embedder.Dimension)
        {
            throw new ArgumentException($"CLIP model '{embedder.ModelName}' produces {embedder.Dimension}-dimensional embeddings; {d} were asked for.", nameof(options));
        }
    }

    public static GeneratedEmbeddings<Embedding<float>> Wrap(float[][] vectors, string modelId)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (float[] v in vectors)
        {
            result.Add(new Embedding<float>(v) { ModelId = modelId, CreatedAt = now });
        }

        return result;
    }

    /// <summary>The metadata, the embedder (as <see cref="IClipEmbedder"/> or its own type), its <see cref="ClipModel"/> when it has one, the generator itself, or the embedder.</summary>
    public static object? GetService(object self, EmbeddingGeneratorMetadata metadata, IClipEmbedder embedder, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return metadata;
        }

        if (serviceType == typeof(ClipModel) && embedder is ClipModelEmbedder clip)
        {
            return clip.Model;
        }

        if (serviceType.IsInstanceOfType(self))
        {
            return self;
        }

        return serviceType.IsInstanceOfType(embedder) ? embedder : null;
    }
}
