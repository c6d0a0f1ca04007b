using Microsoft.Extensions.DependencyInjection;

namespace ClipSharp.Index;

/// <summary>Registers the embedded photo index with a <see cref="IServiceCollection"/> (the model comes from <c>AddClipSharp</c> in ClipSharp.Extensions).</summary>
public static class PhotoIndexServiceCollectionExtensions
{
    /// <summary>
    /// Registers the index in <paramref name="folder"/> (created when needed) as <see cref="IPhotoIndex"/>: a singleton
    /// opened on first resolution (opening is synchronous: SQLite on local disk) and disposed with the container, which
    /// must be disposed asynchronously (as hosts do).
    /// </summary>
    public static IServiceCollection AddPhotoIndex(this IServiceCollection services, string folder, PhotoIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        services.AddSingleton<IPhotoIndex>(_ => PhotoIndex.Open(folder, options));
        return services;
    }
}
