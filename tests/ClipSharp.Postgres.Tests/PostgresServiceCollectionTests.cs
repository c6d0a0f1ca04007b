using ClipSharp.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ClipSharp.Postgres.Tests;

/// <summary>The PostgreSQL index registered with dependency injection: opened asynchronously when the host starts, never by blocking.</summary>
[Collection(nameof(PostgresStoreTests))]
public sealed class PostgresServiceCollectionTests : IAsyncLifetime
{
    private readonly PostgresBackend _backend = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task AddPostgresPhotoIndex_ResolvedBeforeTheHostStarts_IsAClearErrorWithoutConnecting()
    {
        // Nothing listens on port 1: a resolution that tried to connect would fail with a network error, not this one.
        await using var services = new ServiceCollection().AddPostgresPhotoIndex("postgres://nobody@127.0.0.1:1/none").BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IPhotoIndex>());

        Assert.Contains("when the host starts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPostgresPhotoIndex_WithAStringThatIsNoStore_IsRefusedAtRegistration()
    {
        var ex = Assert.Throws<ClipSharpException>(() => new ServiceCollection().AddPostgresPhotoIndex("postgres://h/d?schema=Bad-Name"));

        Assert.Equal(ClipErrorKind.InvalidInput, ex.Kind);
    }

    [SkippableFact]
    public async Task AddPostgresPhotoIndex_HostStart_OpensTheIndexTheContainerThenServes()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPostgresPhotoIndex(_backend.StoreString("di"));
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(120));

        var index = Assert.IsType<PostgresPhotoIndex>(host.Services.GetRequiredService<IPhotoIndex>());
        Assert.Same(index, host.Services.GetRequiredService<IPhotoIndex>());
        Assert.Contains("schema " + _backend.SchemaOf("di"), index.Location, StringComparison.Ordinal);
        await host.StopAsync();
    }
}
