using ClipSharp.Imaging;
using Microsoft.Extensions.AI;

namespace ClipSharp.Extensions;

/// <summary>CLIP text embeddings through <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: normalised, batched.</summary>
public sealed class ClipTextEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ClipModel _model;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Wraps <paramref name="model"/>; the generator does not own it (disposing the generator leaves the model open).</summary>
    public ClipTextEmbeddingGenerator(ClipModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _metadata = new EmbeddingGeneratorMetadata("clipsharp", null, model.Name, model.EmbeddingDimension);
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ClipEmbeddingGeneratorChecks.CheckDimensions(options, _model);
        string[] texts = values.ToArray();
        cancellationToken.ThrowIfCancellationRequested();
        float[][] vectors = _model.EncodeTexts(texts);
        return Task.FromResult(ClipEmbeddingGeneratorChecks.Wrap(vectors, _model.Name));
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
        => ClipEmbeddingGeneratorChecks.GetService(this, _metadata, _model, serviceType, serviceKey);

    /// <summary>Does nothing: the model belongs to whoever created it (the DI container, with AddClipSharp).</summary>
    public void Dispose()
    {
    }
}

/// <summary>
/// CLIP image embeddings through <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: inputs are
/// <see cref="DataContent"/> with an image media type (bytes, or a data: URI); the format is sniffed from the bytes.
/// </summary>
public sealed class ClipImageEmbeddingGenerator : IEmbeddingGenerator<DataContent, Embedding<float>>
{
    private readonly ClipModel _model;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly ImageDecodeOptions? _decode;

    /// <summary>Wraps <paramref name="model"/>; the generator does not own it.</summary>
    public ClipImageEmbeddingGenerator(ClipModel model, ImageDecodeOptions? decodeOptions = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _decode = decodeOptions;
        _metadata = new EmbeddingGeneratorMetadata("clipsharp", null, model.Name, model.EmbeddingDimension);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A content is not an image media type.</exception>
    /// <exception cref="ClipSharpException">An image cannot be decoded.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ClipEmbeddingGeneratorChecks.CheckDimensions(options, _model);
        var images = new List<ClipImage>();
        int i = 0;
        foreach (var content in values)
        {
            ArgumentNullException.ThrowIfNull(content, nameof(values));
            if (!content.HasTopLevelMediaType("image"))
            {
                throw new ArgumentException($"Input {i} has media type '{content.MediaType}'; an image/* type is needed.", nameof(values));
            }

            cancellationToken.ThrowIfCancellationRequested();
            images.Add(ImageDecoder.Decode(content.Data.Span, content.Name ?? $"input {i}", _decode));
            i++;
        }

        float[][] vectors = _model.EncodeImages(images);
        return Task.FromResult(ClipEmbeddingGeneratorChecks.Wrap(vectors, _model.Name));
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
        => ClipEmbeddingGeneratorChecks.GetService(this, _metadata, _model, serviceType, serviceKey);

    /// <summary>Does nothing: the model belongs to whoever created it.</summary>
    public void Dispose()
    {
    }
}

internal static class ClipEmbeddingGeneratorChecks
{
    public static void CheckDimensions(EmbeddingGenerationOptions? options, ClipModel model)
    {
        if (options?.Dimensions is int d && d != model.EmbeddingDimension)
        {
            throw new ArgumentException($"CLIP model '{model.Name}' produces {model.EmbeddingDimension}-dimensional embeddings; {d} were asked for.", nameof(options));
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

    public static object? GetService(object self, EmbeddingGeneratorMetadata metadata, ClipModel model, Type serviceType, object? serviceKey)
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

        if (serviceType == typeof(ClipModel))
        {
            return model;
        }

        return serviceType.IsInstanceOfType(self) ? self : null;
    }
}
