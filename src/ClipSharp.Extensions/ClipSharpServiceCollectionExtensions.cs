using ClipSharp.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClipSharp.Extensions;

/// <summary>Registers ClipSharp with a <see cref="IServiceCollection"/>.</summary>
public static class ClipSharpServiceCollectionExtensions
{
    /// <summary>
    /// Registers the CLIP model (a singleton that owns the ONNX sessions and is disposed with the container; a catalog
    /// model that is not cached is downloaded by a hosted service when the host starts, asynchronously), the model as an
    /// <see cref="IClipEmbedder"/> (exact decode, batches of <see cref="ClipSharpOptions.MaxBatchSize"/>), a text
    /// generator (<c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>) and an image generator
    /// (<c>IEmbeddingGenerator&lt;DataContent, Embedding&lt;float&gt;&gt;</c>). Options are validated when the host
    /// starts (data annotations, and that a folder model exists). A photo index is registered by its own package:
    /// <c>AddPhotoIndex</c> (ClipSharp.Index) or <c>AddPostgresPhotoIndex</c> (ClipSharp.Postgres), so text embeddings
    /// through DI never pull a database driver.
    /// </summary>
    public static IServiceCollection AddClipSharp(this IServiceCollection services, Action<ClipSharpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddClipSharpCore(services.AddOptions<ClipSharpOptions>().Configure(configure));
    }

    /// <summary>Like <see cref="AddClipSharp(IServiceCollection, Action{ClipSharpOptions})"/>, bound to a configuration section (e.g. <c>configuration.GetSection("ClipSharp")</c>).</summary>
    public static IServiceCollection AddClipSharp(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return services.AddClipSharpCore(services.AddOptions<ClipSharpOptions>().Bind(section));
    }

    private static IServiceCollection AddClipSharpCore(this IServiceCollection services, OptionsBuilder<ClipSharpOptions> options)
    {
        options
            .Validate(o => !string.IsNullOrWhiteSpace(o.Model), "ClipSharp:Model is required: a model folder or a catalog name such as ViT-B-32.")
            .Validate(o => string.IsNullOrWhiteSpace(o.Model) || !LooksLikePath(o.Model) || Directory.Exists(o.Model), "ClipSharp:Model names a folder that does not exist.")
            .Validate(o => string.IsNullOrWhiteSpace(o.Model) || LooksLikePath(o.Model) || ModelCatalog.Find(ModelCatalog.ParseReference(o.Model).Name) is not null || ModelCatalog.Find(o.Model) is not null,
                "ClipSharp:Model is neither an existing folder nor a catalog model name.")
            .Validate(o => o.MaxBatchSize >= 1, "ClipSharp:MaxBatchSize must be at least 1.")
            .Validate(o => o.IntraOpThreads >= 0, "ClipSharp:IntraOpThreads must be 0 (one per core) or more.")
            .Validate(o => o.MaxImagePixels >= 1, "ClipSharp:MaxImagePixels must be positive.")
            .Validate(o => o.DecodeMemoryMegabytes is null or >= 1, "ClipSharp:DecodeMemoryMegabytes must be positive (or unset for the default).")
            .ValidateOnStart();
        // The model is found (and downloaded when needed) by the loader: when the host starts, asynchronously; without a
        // host, from disk when first resolved. The container owns (and disposes) the model it hands out.
        services.AddSingleton<ClipModelLoader>();
        services.AddHostedService(sp => sp.GetRequiredService<ClipModelLoader>());
        services.AddSingleton(sp => sp.GetRequiredService<ClipModelLoader>().Model);
        services.AddSingleton<IClipEmbedder>(sp => new ClipModelEmbedder(sp.GetRequiredService<ClipModel>(),
            sp.GetRequiredService<IOptions<ClipSharpOptions>>().Value.MaxBatchSize, fastJpegDecode: false));
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => new ClipTextEmbeddingGenerator(sp.GetRequiredService<IClipEmbedder>()));
        services.AddSingleton<IEmbeddingGenerator<DataContent, Embedding<float>>>(sp =>
            new ClipImageEmbeddingGenerator(sp.GetRequiredService<IClipEmbedder>(), sp.GetRequiredService<IOptions<ClipSharpOptions>>().Value.MaxImagePixels));
        return services;
    }

    /// <summary>A folder path rather than a catalog name (catalog names have no separators, except owner/repo forms the catalog knows).</summary>
    private static bool LooksLikePath(string model)
        => Directory.Exists(model) || model.StartsWith('.') || model.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || (model.Contains('/', StringComparison.Ordinal) && ModelCatalog.Find(model) is null);
}
