using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>
/// One commit per pull, staging keyed by content, verification of everything staged or reused before it is published,
/// --revision and --force, and files shared between models stored once.
/// </summary>
public sealed class ModelHubConsistencyTests : FakeHubTestBase
{
    private const string Big = "textual/model.onnx";

    [SkippableFact]
    public async Task Pull_AfterTheHubChangedASameSizeStagedFile_FetchesTheNewBytes()
    {
        // The review's case: config.json staged by an interrupted pull, then changed on the hub (same size, new hash,
        // new commit); the next pull must not publish the stale bytes under the new checksum.
        await InterruptedPullAsync();
        byte[] old = Hub.Content(OpenClipRepo, "config.json");
        byte[] changed = SameSizeChange(old);
        string commit = Hub.PublishCommit(OpenClipRepo, new Dictionary<string, byte[]> { ["config.json"] = changed });
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32));

        Assert.Equal(changed, File.ReadAllBytes(Path.Combine(hub.ModelDirectory(ViTB32), "config.json")));
        Assert.Equal(commit, hub.ReadManifest(ViTB32)!.Commit);
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo, commit);
        Assert.DoesNotContain(CacheFiles(), f => Path.GetFileName(f).StartsWith(Hub.Checksums(OpenClipRepo, "config.json").GitSha1, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Pull_StagedFileDamagedInPlace_IsVerifiedAgainAndFetchedAgain()
    {
        await InterruptedPullAsync();
        string staged = Path.Combine(Cache, "models", ".staging", "ViT-B-32", Hub.Checksums(OpenClipRepo, "visual/model.onnx").Sha256);
        Assert.True(File.Exists(staged), "the interrupted pull should have staged visual/model.onnx");
        byte[] bytes = File.ReadAllBytes(staged);
        bytes[bytes.Length / 3] ^= 0x55;
        File.WriteAllBytes(staged, bytes);
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32, Pull()));

        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
        Assert.Equal(2, CdnGets("visual/model.onnx").Length);
        Assert.Contains(Notices, n => n.Contains("staged copy of visual/model.onnx no longer matches", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Pull_WhileMainMovesToAnotherCommit_FetchesEveryFileAtTheFirstCommit()
    {
        byte[] original = Hub.Content(OpenClipRepo, "textual/tokenizer_config.json");
        int published = 0;
        Hub.OnRequest = r =>
        {
            if (r.Method == "HEAD" && Interlocked.Exchange(ref published, 1) == 0)
            {
                Hub.PublishCommit(OpenClipRepo, new Dictionary<string, byte[]> { ["textual/tokenizer_config.json"] = SameSizeChange(original) });
            }
        };
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32));

        Assert.Equal(FakeHub.Commit, hub.ReadManifest(ViTB32)!.Commit);
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo, FakeHub.Commit);
        var resolves = Hub.Log.Where(r => r.Path.Contains("/resolve/", StringComparison.Ordinal)).ToArray();
        Assert.Contains("/resolve/main/", resolves[0].Path, StringComparison.Ordinal);
        Assert.All(resolves.Skip(1), r => Assert.Contains($"/resolve/{FakeHub.Commit}/", r.Path, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Pull_FromAHubWithoutRepoCommit_PinsTheCommitThroughTheRevisionApi()
    {
        Hub.OmitRepoCommit = true;
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32));

        Assert.Contains(Hub.Log, r => r.Path == $"/api/models/{OpenClipRepo}/revision/main");
        Assert.Equal(FakeHub.Commit, hub.ReadManifest(ViTB32)!.Commit);
        Assert.All(Hub.Log.Where(r => r.Path.Contains("/resolve/", StringComparison.Ordinal)).Skip(1),
            r => Assert.Contains($"/resolve/{FakeHub.Commit}/", r.Path, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Pull_WithRevision_ReplacesTheCachedCommitDownloadingOnlyWhatChanged()
    {
        using var hub = CreateHub();
        await Guarded(hub.PullAsync(ViTB32));
        byte[] changed = SameSizeChange(Hub.Content(OpenClipRepo, "config.json"));
        string newer = Hub.PublishCommit(OpenClipRepo, new Dictionary<string, byte[]> { ["config.json"] = changed });

        var plain = await Guarded(hub.PullAsync(ViTB32));
        var updated = await Guarded(hub.PullAsync(ViTB32, Pull(revision: "main")));
        var same = await Guarded(hub.PullAsync(ViTB32, Pull(revision: newer)));
        var back = await Guarded(hub.PullAsync(ViTB32, Pull(revision: FakeHub.Commit)));

        Assert.True(plain.AlreadyCached);
        Assert.Equal(FakeHub.Commit, plain.Commit);
        Assert.Equal(newer, updated.Commit);
        Assert.Equal(changed.Length, updated.DownloadedBytes); // the other files came from the cached copy
        Assert.True(same.AlreadyCached);
        Assert.Equal(FakeHub.Commit, back.Commit);
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo, FakeHub.Commit);
    }

    [SkippableFact]
    public async Task Pull_Force_DownloadsEveryFileAgain()
    {
        using var hub = CreateHub();
        var first = await Guarded(hub.PullAsync(ViTB32));

        var forced = await Guarded(hub.PullAsync(ViTB32, Pull(force: true)));

        Assert.False(forced.AlreadyCached);
        Assert.Equal(first.Bytes, forced.DownloadedBytes);
        Assert.Equal(2, CdnGets(Big).Length);
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_AnotherVariant_ReusesTheSharedFilesStoredOnce()
    {
        var quantized = new Dictionary<string, byte[]>
        {
            ["onnx/vision_model_quantized.onnx"] = Hub.Content(HfRepo, "onnx/vision_model.onnx"),
            ["onnx/text_model_quantized.onnx"] = Hub.Content(HfRepo, "onnx/text_model.onnx"),
        };
        Hub.PublishCommit(HfRepo, quantized);
        using var hub = CreateHub();
        await Guarded(hub.PullAsync(HfB32));
        int before = Hub.Log.Count;

        var second = await Guarded(hub.PullAsync(HfB32, Pull("quantized")));

        string[] shared = HfB32.Files.Where(f => !f.EndsWith(".onnx", StringComparison.Ordinal)).ToArray();
        Assert.DoesNotContain(Hub.Log.Skip(before), r => r.Method == "GET" && shared.Any(f => r.Path.EndsWith("/" + f, StringComparison.Ordinal)));
        Assert.Equal(shared.Sum(f => Hub.Content(HfRepo, f).Length), second.ReusedBytes - quantized.Values.Sum(v => v.Length));
        // The quantized ONNX files have the fp32 bytes here, so they are shared too; one write shows one file on disk.
        string a = Path.Combine(hub.ModelDirectory(HfB32), "config.json");
        string b = Path.Combine(hub.ModelDirectory(HfB32, "quantized"), "config.json");
        File.AppendAllText(a, " ");
        Assert.Equal(new FileInfo(a).Length, new FileInfo(b).Length);
    }

    [SkippableFact]
    public async Task Pull_ResumedPartialDamagedOnDisk_IsFetchedAgainFromTheStart()
    {
        await InterruptedPullAsync();
        string partial = Path.Combine(Cache, "models", ".staging", "ViT-B-32", Hub.Checksums(OpenClipRepo, Big).Sha256 + ".incomplete");
        byte[] bytes = File.ReadAllBytes(partial);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(partial, bytes);
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32, Pull()));

        var gets = CdnGets(Big);
        Assert.Equal(3, gets.Length);
        Assert.NotNull(gets[1].Range);
        Assert.Null(gets[2].Range);
        Assert.Contains(Notices, n => n.Contains("resumed from an earlier pull, does not match its checksum", StringComparison.Ordinal));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    /// <summary>A pull that stops at textual/model.onnx (the connection drops, no retries), having staged the files before it.</summary>
    private async Task InterruptedPullAsync()
    {
        Hub.CutOnce[Big] = Hub.Content(OpenClipRepo, Big).Length / 2;
        using var hub = CreateHub(configure: o => o.MaxRetries = 0);
        await FailsWith(hub.PullAsync(ViTB32));
        Assert.False(hub.IsCached(ViTB32));
    }

    /// <summary>The same bytes with one space turned into a tab: same size, other checksum, still valid JSON.</summary>
    private static byte[] SameSizeChange(byte[] data)
    {
        byte[] copy = (byte[])data.Clone();
        int i = Array.IndexOf(copy, (byte)' ');
        copy[i >= 0 ? i : 0] = i >= 0 ? (byte)'\t' : (byte)(copy[0] ^ 1);
        return copy;
    }
}
