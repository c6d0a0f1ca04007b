using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>The downloader against a fake hub on 127.0.0.1 serving the micro model under real catalog names.</summary>
public sealed class ModelHubTests : IAsyncLifetime
{
    private FakeHub _hub = null!;
    private string _cache = null!;

    public async Task InitializeAsync()
    {
        TestData.Require();
        _hub = await FakeHub.StartAsync(new Dictionary<string, string>
        {
            ["immich-app/ViT-B-32__openai"] = Golden.ModelDir("openclip"),
            ["Xenova/clip-vit-base-patch32"] = Golden.ModelDir("hf"),
        });
        _cache = Directory.CreateTempSubdirectory("clipsharp-hub-").FullName;
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

    private ModelHub CreateHub(bool offline = false, string? token = null, string? endpoint = null)
        => ModelHub.Create(new ModelHubOptions { Endpoint = endpoint ?? _hub.Endpoint, CacheDirectory = _cache, Offline = offline, Token = token, ReadTimeout = TimeSpan.FromSeconds(20) });

    private static CatalogEntry ViTB32 => ModelCatalog.Find("ViT-B-32")!;

    private static CatalogEntry HfB32 => ModelCatalog.Find("clip-vit-base-patch32")!;

    private string[] LeftoverFiles() => Directory.Exists(Path.Combine(_cache, "models"))
        ? Directory.EnumerateFiles(Path.Combine(_cache, "models"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).ToArray()
        : [];

    [SkippableFact]
    public async Task Pull_Fresh_DownloadsEveryFileVerifiedAndTheModelLoads()
    {
        using var hub = CreateHub();
        var progress = new List<DownloadProgress>();

        string folder = await hub.PullAsync(ViTB32, progress: new SyncProgress(progress.Add));

        Assert.True(hub.IsCached(ViTB32));
        foreach (string file in ViTB32.Files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(Golden.ModelDir("openclip"), file)), File.ReadAllBytes(Path.Combine(folder, file)));
        }

        var manifest = hub.ReadManifest(ViTB32)!;
        Assert.Equal(FakeHub.Commit, manifest.Commit);
        Assert.Equal(progress[^1].TotalBytes, progress[^1].BytesDone);
        Assert.Empty(Directory.EnumerateFiles(_cache, "*.part", SearchOption.AllDirectories));
        using var model = ClipModel.Load(folder);
        Assert.Equal(32, model.EmbeddingDimension);
    }

    [SkippableFact]
    public async Task Pull_InterruptedHalfWay_ResumesWithoutDownloadingTheSameBytesAgain()
    {
        const string big = "textual/model.onnx";
        long size = new FileInfo(Path.Combine(Golden.ModelDir("openclip"), big)).Length;
        _hub.CutOnce[big] = size / 2;
        using var hub = CreateHub();

        var first = await Assert.ThrowsAsync<ClipSharpException>(() => hub.PullAsync(ViTB32));
        Assert.Equal(ClipErrorKind.Network, first.Kind);
        Assert.Contains("resume", first.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
        Assert.False(Directory.Exists(hub.ModelDirectory(ViTB32)));

        await hub.PullAsync(ViTB32);

        var gets = _hub.Log.Where(r => r.Method == "GET" && r.Path.EndsWith(big, StringComparison.Ordinal) && r.Path.StartsWith("/cdn-lfs", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, gets.Length);
        Assert.Null(gets[0].Range);
        Assert.Equal(206, gets[1].Status);

        // The resume asks only for what the client does not have: bytes the first response wrote to the
        // socket but that died with the connection are the only ones that travel twice.
        long resumedAt = long.Parse(gets[1].Range!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, gets[0].BytesSent);
        Assert.Equal(size - resumedAt, gets[1].BytesSent);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Golden.ModelDir("openclip"), big)), File.ReadAllBytes(Path.Combine(hub.ModelDirectory(ViTB32), big)));
    }

    [SkippableFact]
    public async Task Pull_CorruptedContent_IsRefusedAndNothingIsCached()
    {
        _hub.Corrupt["visual/model.onnx"] = true;
        using var hub = CreateHub();

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Contains("visual/model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
        Assert.False(Directory.Exists(hub.ModelDirectory(ViTB32)));
        Assert.DoesNotContain(LeftoverFiles(), f => f.EndsWith("visual/model.onnx.part", StringComparison.Ordinal) || f.EndsWith(Path.Combine("visual", "model.onnx"), StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Pull_MissingFile_Is404WithTheFileNamed()
    {
        using var hub = CreateHub();

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => hub.PullAsync(HfB32, "quantized"));

        Assert.Equal(ClipErrorKind.Download, ex.Kind);
        Assert.Contains("404", ex.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/vision_model_quantized.onnx", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(HfB32, "quantized"));
    }

    [SkippableFact]
    public async Task Pull_GatedRepo_Is401AskingForATokenAndWorksWithIt()
    {
        _hub.GatedRepos["Xenova/clip-vit-base-patch32"] = "secret-token";
        using (var anonymous = CreateHub())
        {
            var ex = await Assert.ThrowsAsync<ClipSharpException>(() => anonymous.PullAsync(HfB32));
            Assert.Contains("401", ex.Message, StringComparison.Ordinal);
            Assert.Contains("HF_TOKEN", ex.Message, StringComparison.Ordinal);
        }

        using var authorised = CreateHub(token: "secret-token");
        string folder = await authorised.PullAsync(HfB32);
        using var model = ClipModel.Load(folder);
        Assert.Equal(ModelLayout.HuggingFace, model.Layout);
    }

    [SkippableFact]
    public async Task Resolve_OfflineWithoutCache_SaysWhichModelIsMissingAndHowToGetIt()
    {
        using var hub = CreateHub(offline: true);

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => hub.ResolveAsync("ViT-B-32"));

        Assert.Equal(ClipErrorKind.NotCached, ex.Kind);
        Assert.Contains("ViT-B-32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("clipsharp models pull ViT-B-32", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_hub.Log);
    }

    [SkippableFact]
    public async Task Resolve_OfflineWithCache_UsesTheCacheWithoutAnyRequest()
    {
        using (var online = CreateHub())
        {
            await online.PullAsync(ViTB32);
        }

        int before = _hub.Log.Count;
        using var offline = CreateHub(offline: true);
        var resolved = await offline.ResolveAsync("vit-b-32");

        Assert.Equal(offline.ModelDirectory(ViTB32), resolved.Folder);
        Assert.Equal(before, _hub.Log.Count);
    }

    [SkippableFact]
    public async Task Pull_TwoConcurrentPulls_BothSucceedAndEachFileIsFetchedOnce()
    {
        _hub.CdnDelay = TimeSpan.FromMilliseconds(200);
        using var a = CreateHub();
        using var b = CreateHub();

        string[] folders = await Task.WhenAll(Task.Run(() => a.PullAsync(ViTB32)), Task.Run(() => b.PullAsync(ViTB32)));

        Assert.Equal(folders[0], folders[1]);
        Assert.True(a.IsCached(ViTB32));
        foreach (string file in ViTB32.Files)
        {
            Assert.Single(_hub.Log, r => r.Method == "GET" && r.Status is 200 or 206 && r.Path.EndsWith("/" + file, StringComparison.Ordinal));
        }

        using var model = ClipModel.Load(folders[0]);
        Assert.Equal(ModelLayout.OpenClip, model.Layout);
    }

    [SkippableFact]
    public async Task Pull_NoServerListening_IsANetworkErrorNamingTheEndpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens on this port now
        using var hub = CreateHub(endpoint: $"http://127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.Network, ex.Kind);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
    }

    [SkippableFact]
    public async Task Remove_CachedModel_DeletesItsFolder()
    {
        using var hub = CreateHub();
        await hub.PullAsync(ViTB32);

        Assert.True(hub.Remove(ViTB32));
        Assert.False(hub.IsCached(ViTB32));
        Assert.False(hub.Remove(ViTB32));
    }

    [Fact]
    public void Options_FromEnvironment_ReadTheHubVariables()
    {
        var env = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = "https://mirror.example/",
            ["HF_TOKEN"] = "tok",
            ["CLIPSHARP_HOME"] = "/tmp/clipsharp-home",
            ["HF_HUB_OFFLINE"] = "1",
        };

        var options = ModelHubOptions.FromEnvironment(k => env.GetValueOrDefault(k));

        Assert.Equal("https://mirror.example", options.Endpoint);
        Assert.Equal("tok", options.Token);
        Assert.Equal("/tmp/clipsharp-home", options.CacheDirectory);
        Assert.True(options.Offline);
        Assert.Equal(Path.Combine("/xdg", "clipsharp"), ModelHubOptions.FromEnvironment(k => k == "XDG_CACHE_HOME" ? "/xdg" : null).CacheDirectory);
    }

    [Fact]
    public void Catalog_HasTheRequiredModelsInBothLayouts()
    {
        foreach (string name in new[] { "ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336" })
        {
            Assert.Equal(ModelLayout.OpenClip, ModelCatalog.Find(name)!.Layout);
        }

        foreach (string name in new[] { "clip-vit-base-patch32", "clip-vit-base-patch16", "clip-vit-large-patch14" })
        {
            var e = ModelCatalog.Find(name)!;
            Assert.Equal(ModelLayout.HuggingFace, e.Layout);
            Assert.Contains("onnx/vision_model_quantized.onnx", e.FilesFor("quantized"));
            Assert.Contains("onnx/text_model_fp16.onnx", e.FilesFor("fp16"));
        }

        Assert.Equal(336, ModelCatalog.Find("ViT-L-14-336")!.ImageSize);
        Assert.Equal(("clip-vit-base-patch32", "quantized"), ModelCatalog.ParseReference("clip-vit-base-patch32:quantized"));
    }

    private sealed class SyncProgress(Action<DownloadProgress> onReport) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => onReport(value);
    }
}
