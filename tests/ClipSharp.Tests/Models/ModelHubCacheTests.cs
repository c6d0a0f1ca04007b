using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>
/// The cache on disk: a cache that cannot be written fails at once naming the folder; a pull waiting for another says
/// whom it waits for, once, honours cancellation and gives up in time; the user's Hugging Face cache is reused.
/// </summary>
public sealed class ModelHubCacheTests : FakeHubTestBase
{
    [SkippableTheory]
    [InlineData(false, "read-only file system")]
    [InlineData(true, "permission denied")]
    public async Task Pull_IntoACacheThatCannotBeWritten_FailsAtOnceNamingTheFolder(bool permission, string reason)
    {
        // As root nothing is read-only by permission bits: the file system's answer (EROFS, EACCES) is injected where
        // the lock is opened; tests/ClipSharp.Cli.Tests run the same case on a real read-only mount.
        using var hub = CreateHub(configure: o =>
        {
            o.LockTimeout = TimeSpan.FromMinutes(10);
            o.OpenLockFile = _ => throw (permission ? new UnauthorizedAccessException("Access denied") : new IOException("Read-only file system", 30));
        });

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.Io, ex.Kind);
        Assert.Equal(hub.ModelsDirectory, ex.Input);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Contains("CLIPSHARP_HOME", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Hub.Log);
    }

    [SkippableFact]
    public async Task Remove_FromACacheThatCannotBeWritten_FailsAtOnceNamingTheFolder()
    {
        using (var writable = CreateHub())
        {
            await Guarded(writable.PullAsync(ViTB32));
        }

        using var hub = CreateHub(configure: o => o.OpenLockFile = _ => throw new IOException("Read-only file system", 30));

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => hub.RemoveAsync(ViTB32).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("read-only file system", ex.Message, StringComparison.Ordinal);
        Assert.True(hub.IsCached(ViTB32));
    }

    [SkippableFact]
    public async Task Pull_WhileAnotherProcessHoldsTheLock_SaysWhomItWaitsForOnceAndStopsWhenCancelled()
    {
        using var held = HoldLock("ViT-B-32", "pull of ViT-B-32 (pid 4242)");
        using var hub = CreateHub();
        using var cancel = new CancellationTokenSource();
        var options = new ModelPullOptions { Notice = n => { lock (Notices) { Notices.Add(n); } } };

        var pull = hub.PullAsync(ViTB32, options, cancel.Token);
        for (int i = 0; i < 500 && Notices.Count == 0; i++)
        {
            await Task.Delay(20);
        }

        await Task.Delay(200); // several more polls of the lock
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pull.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(["waiting for another pull of ViT-B-32 (pid 4242)"], Notices);
        Assert.Empty(Hub.Log);
    }

    [SkippableFact]
    public async Task Pull_WaitingLongerThanTheLockTimeout_GivesUpNamingTheHolder()
    {
        using var held = HoldLock("ViT-B-32", "pull of ViT-B-32 (pid 4242)");
        using var hub = CreateHub(configure: o => o.LockTimeout = TimeSpan.FromMilliseconds(300));

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Contains("gave up after 0.3 s waiting for another pull of ViT-B-32 (pid 4242)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(hub.ModelsDirectory, ex.Input);
    }

    [SkippableFact]
    public async Task Pull_ModelInTheHuggingFaceCache_IsVerifiedAndUsedWithZeroBytesDownloaded()
    {
        string hfCache = Path.Combine(Cache, "hf-hub");
        HuggingFaceCacheLayout.Write(hfCache, OpenClipRepo, FakeHub.Commit, Golden.ModelDir("openclip"), ViTB32.Files);
        using var hub = CreateHub(configure: o => o.HuggingFaceCacheDirectory = hfCache);

        var result = await Guarded(hub.PullAsync(ViTB32, Pull()));

        Assert.Equal(0, Hub.BytesDownloaded);
        Assert.DoesNotContain(Hub.Log, r => r.Method == "GET");
        Assert.Equal(0, result.DownloadedBytes);
        Assert.Equal(result.Bytes, result.ReusedBytes);
        Assert.Contains(Notices, n => n.Contains("from the Hugging Face cache", StringComparison.Ordinal));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Resolve_OfflineWithTheModelInTheHuggingFaceCache_UsesItWithoutAnyRequest()
    {
        string hfCache = Path.Combine(Cache, "hf-hub");
        HuggingFaceCacheLayout.Write(hfCache, OpenClipRepo, FakeHub.Commit, Golden.ModelDir("openclip"), ViTB32.Files);
        // Offline, neither the endpoint nor the token is used, so neither is checked.
        using var hub = CreateHub(offline: true, token: "bad\u0001token", endpoint: "not an address", configure: o => o.HuggingFaceCacheDirectory = hfCache);

        var resolved = await hub.ResolveAsync("ViT-B-32");

        Assert.Empty(Hub.Log);
        Assert.Equal(hub.ModelDirectory(ViTB32), resolved.Folder);
        Assert.Equal(FakeHub.Commit, hub.ReadManifest(ViTB32)!.Commit);
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_DamagedFileInTheHuggingFaceCache_IsNotUsedAndThatFileIsDownloaded()
    {
        string hfCache = Path.Combine(Cache, "hf-hub");
        string repo = HuggingFaceCacheLayout.Write(hfCache, OpenClipRepo, FakeHub.Commit, Golden.ModelDir("openclip"), ViTB32.Files);
        string blob = Path.Combine(repo, "blobs", Hub.Checksums(OpenClipRepo, "visual/model.onnx").Sha256);
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[100] ^= 1;
        File.WriteAllBytes(blob, bytes);
        using var hub = CreateHub(configure: o => o.HuggingFaceCacheDirectory = hfCache);

        var result = await Guarded(hub.PullAsync(ViTB32));

        Assert.Equal(Hub.Content(OpenClipRepo, "visual/model.onnx").Length, result.DownloadedBytes);
        Assert.Single(CdnGets("visual/model.onnx"));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    /// <summary>Holds a model's lock as another process would, with its holder note.</summary>
    private FileStream HoldLock(string key, string holder)
    {
        string locks = Path.Combine(Cache, "models", ".locks");
        Directory.CreateDirectory(locks);
        File.WriteAllText(Path.Combine(locks, key + ".holder"), holder);
        return new FileStream(Path.Combine(locks, key + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
    }
}
