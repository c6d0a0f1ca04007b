using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>The downloader against a fake hub on 127.0.0.1 serving the micro model under real catalog names.</summary>
public sealed class ModelHubTests : FakeHubTestBase
{
    [SkippableFact]
    public async Task Pull_Fresh_DownloadsEveryFileVerifiedAndTheModelLoads()
    {
        using var hub = CreateHub();
        var progress = new List<DownloadProgress>();

        var result = await Guarded(hub.PullAsync(ViTB32, new ModelPullOptions { Progress = new SyncProgress(progress.Add) }));

        Assert.True(hub.IsCached(ViTB32));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
        var manifest = hub.ReadManifest(ViTB32)!;
        Assert.Equal(FakeHub.Commit, manifest.Commit);
        Assert.Equal(FakeHub.Commit, result.Commit);
        long size = ViTB32.Files.Sum(f => new FileInfo(Path.Combine(Golden.ModelDir("openclip"), f)).Length);
        Assert.Equal(size, result.Bytes);
        Assert.Equal(size, result.DownloadedBytes);
        Assert.Equal(size, hub.GetDiskUsage(ViTB32).ModelBytes);
        Assert.Equal(progress[^1].TotalBytes, progress[^1].BytesDone);
        Assert.Equal(string.Empty, progress[^1].File);
        Assert.DoesNotContain(CacheFiles(), f => f.Contains(".staging", StringComparison.Ordinal));
        using var model = ClipModel.Load(result.Folder);
        Assert.Equal(32, model.EmbeddingDimension);
    }

    [SkippableFact]
    public async Task Pull_CorruptedContent_IsRefusedNamingTheCdnUrlAndNothingIsCached()
    {
        Hub.Corrupt["visual/model.onnx"] = true;
        using var hub = CreateHub();

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Contains("visual/model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{Hub.CdnPort}/cdn-lfs/", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
        Assert.False(Directory.Exists(hub.ModelDirectory(ViTB32)));
        Assert.DoesNotContain(CacheFiles(), f => f.EndsWith(Hub.Checksums(OpenClipRepo, "visual/model.onnx").Sha256 + ".incomplete", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Pull_MissingFile_Is404EntryNotFoundWithTheFileNamed()
    {
        using var hub = CreateHub();

        var ex = await FailsWith(hub.PullAsync(HfB32, Pull("quantized")));

        Assert.Equal(ClipErrorKind.Download, ex.Kind);
        Assert.Contains("HTTP 404 EntryNotFound", ex.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/vision_model_quantized.onnx", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(HfB32, "quantized"));
    }

    [SkippableFact]
    public async Task Pull_UnknownRevision_IsRevisionNotFoundNamingIt()
    {
        using var hub = CreateHub();

        var ex = await FailsWith(hub.PullAsync(ViTB32, Pull(revision: "v9")));

        Assert.Contains("HTTP 404 RevisionNotFound", ex.Message, StringComparison.Ordinal);
        Assert.Contains("revision 'v9' does not exist in immich-app/ViT-B-32__openai", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pull_GatedRepo_Is401AskingForATokenAndWorksWithIt()
    {
        Hub.GatedRepos[HfRepo] = "secret-token";
        using (var anonymous = CreateHub())
        {
            var ex = await FailsWith(anonymous.PullAsync(HfB32));
            Assert.Contains("HTTP 401 GatedRepo", ex.Message, StringComparison.Ordinal);
            Assert.Contains("HF_TOKEN", ex.Message, StringComparison.Ordinal);
        }

        using var authorised = CreateHub(token: "secret-token");
        var result = await Guarded(authorised.PullAsync(HfB32));
        using var model = ClipModel.Load(result.Folder);
        Assert.Equal(ModelLayout.HuggingFace, model.Layout);
    }

    [SkippableFact]
    public async Task Forbidden_WithoutAToken_SaysToSetOneRatherThanBlamingAToken()
    {
        Hub.FailNext[(HubStage.Resolve, "config.json")] = new([(403, null)]);
        using var hub = CreateHub();

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Contains("HTTP 403", ex.Message, StringComparison.Ordinal);
        Assert.Contains("set HF_TOKEN", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token has no access", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Resolve_OfflineWithoutCache_SaysWhichModelIsMissingAndHowToGetIt()
    {
        using var hub = CreateHub(offline: true);

        var ex = await FailsWith(hub.ResolveAsync("ViT-B-32"));

        Assert.Equal(ClipErrorKind.NotCached, ex.Kind);
        Assert.Contains("ViT-B-32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("clipsharp models pull ViT-B-32", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Hub.Log);
    }

    [SkippableFact]
    public async Task Resolve_OfflineWithCache_UsesTheCacheWithoutAnyRequest()
    {
        using (var online = CreateHub())
        {
            await Guarded(online.PullAsync(ViTB32));
        }

        int before = Hub.Log.Count;
        using var offline = CreateHub(offline: true);
        var resolved = await offline.ResolveAsync("vit-b-32");

        Assert.Equal(offline.ModelDirectory(ViTB32), resolved.Folder);
        Assert.Equal(before, Hub.Log.Count);
    }

    [SkippableFact]
    public async Task Pull_TwoConcurrentPulls_BothSucceedAndEachFileIsFetchedOnce()
    {
        Hub.CdnDelay = TimeSpan.FromMilliseconds(200);
        using var a = CreateHub();
        using var b = CreateHub();

        var results = await Guarded(Task.WhenAll(Task.Run(() => a.PullAsync(ViTB32)), Task.Run(() => b.PullAsync(ViTB32))));

        Assert.Equal(results[0].Folder, results[1].Folder);
        Assert.True(a.IsCached(ViTB32));
        foreach (string file in ViTB32.Files)
        {
            Assert.Single(Hub.Log, r => r.Method == "GET" && r.Status is 200 or 206 && r.Path.EndsWith("/" + file, StringComparison.Ordinal));
        }

        using var model = ClipModel.Load(results[0].Folder);
        Assert.Equal(ModelLayout.OpenClip, model.Layout);
    }

    [SkippableFact]
    public async Task Pull_NoServerListening_IsANetworkErrorNamingTheEndpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens on this port now
        using var hub = CreateHub(endpoint: $"http://127.0.0.1:{port}", configure: o => o.MaxRetries = 1);

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.Network, ex.Kind);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
    }

    [SkippableFact]
    public async Task Remove_CachedModel_DeletesItsFolder()
    {
        using var hub = CreateHub();
        await Guarded(hub.PullAsync(ViTB32));

        Assert.True(await hub.RemoveAsync(ViTB32));
        Assert.False(hub.IsCached(ViTB32));
        Assert.False(await hub.RemoveAsync(ViTB32));
    }

    [SkippableFact]
    public async Task DiskUsage_PulledAndOptimisedModel_CountsModelAndOptimisedCacheApart()
    {
        using var hub = CreateHub();
        var pulled = await Guarded(hub.PullAsync(ViTB32));

        var prepared = hub.PrepareOptimizedCache(pulled.Folder);
        var again = hub.PrepareOptimizedCache(pulled.Folder);
        var usage = hub.GetDiskUsage(ViTB32);

        Assert.Equal(OptimizedCacheOutcome.Written, prepared.Outcome);
        Assert.Equal(OptimizedCacheOutcome.AlreadyPresent, again.Outcome);
        Assert.Equal(pulled.Bytes, usage.ModelBytes);
        Assert.True(usage.OptimizedBytes > 0);
        Assert.Equal(prepared.OptimizedBytes, usage.OptimizedBytes);
    }

    [Fact]
    public void Catalog_RequiredModelNames_AreListedInBothLayouts()
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
