using ClipSharp.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ClipSharp.Extensions.Tests;

/// <summary>A catalog model in AddClipSharp: downloaded asynchronously when the host starts, never by a blocking resolution.</summary>
public sealed class ClipSharpModelDownloadTests : IAsyncLifetime
{
    private FakeHub _hub = null!;
    private string _cache = null!;

    public async Task InitializeAsync()
    {
        _hub = await FakeHub.StartAsync(new Dictionary<string, string> { ["immich-app/ViT-B-32__openai"] = Golden.ModelDir("openclip") });
        _cache = Directory.CreateTempSubdirectory("clipsharp-di-cache-").FullName;
    }

    public async Task DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        if (_cache is not null && Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }

    private void Configure(ClipSharpOptions o)
    {
        o.Model = "ViT-B-32";
        o.CacheDirectory = _cache;
        o.HubEndpoint = _hub.Endpoint;
        o.Warm = false;
    }

    [SkippableFact]
    public async Task HostStart_WithACatalogModelNotCached_DownloadsItThenServesIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClipSharp(Configure);
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Contains(_hub.Log, r => r.Method == "GET" && r.Path.EndsWith("/visual/model.onnx", StringComparison.Ordinal));
        var model = host.Services.GetRequiredService<ClipModel>();
        Assert.Equal(32, model.EmbeddingDimension);
        Assert.StartsWith(_cache, model.Folder, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [SkippableFact]
    public void WithoutAHost_ACatalogModelNotCached_IsAClearErrorInsteadOfABlockingDownload()
    {
        using var services = new ServiceCollection().AddClipSharp(Configure).BuildServiceProvider();

        var ex = Assert.Throws<ClipSharpException>(() => services.GetRequiredService<ClipModel>());

        Assert.Equal(ClipErrorKind.NotCached, ex.Kind);
        Assert.Contains("clipsharp models pull ViT-B-32", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_hub.Log);
    }
}
