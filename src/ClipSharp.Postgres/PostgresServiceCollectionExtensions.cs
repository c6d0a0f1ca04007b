using ClipSharp.Index;
using Microsoft.Extensions.DependencyInjection;

namespace ClipSharp.Postgres;

/// <summary>Registers a PostgreSQL photo index with a <see cref="IServiceCollection"/> (the model comes from <c>AddClipSharp</c> in ClipSharp.Extensions).</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers the index in the PostgreSQL database named by <paramref name="store"/> (<c>postgres://user@host/db?schema=…</c>
    /// or <c>Host=…;Database=…</c>) as <see cref="IPhotoIndex"/>: a hosted service opens it when the host starts,
    /// asynchronously (creating or checking the schema); the container disposes it. Resolving it before the host starts
    /// throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <exception cref="ClipSharpException"><paramref name="store"/> is not a PostgreSQL URL or connection string.</exception>
    public static IServiceCollection AddPostgresPhotoIndex(this IServiceCollection services, string store)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(store);
        var options = PostgresStoreOptions.Parse(store);
        services.AddSingleton(_ => new PostgresIndexOpener(options));
        services.AddHostedService(sp => sp.GetRequiredService<PostgresIndexOpener>());
        services.AddSingleton<IPhotoIndex>(sp => sp.GetRequiredService<PostgresIndexOpener>().Index);
        return services;
    }
}
