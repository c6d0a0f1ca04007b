using System.Globalization;
using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>
/// Timeouts, retries and hostile answers: a retry recovers where one can, otherwise a one-line error names the address
/// that failed (the CDN's, not the resolve URL) within the timeouts; nothing unverified is cached.
/// </summary>
public sealed class ModelHubResilienceTests : FakeHubTestBase
{
    private const string Big = "textual/model.onnx";
    private const string Visual = "visual/model.onnx";

    [SkippableFact]
    public async Task Pull_ConnectionDroppedMidBody_ResumesWithARangeInTheSamePull()
    {
        long size = Hub.Content(OpenClipRepo, Big).Length;
        Hub.CutOnce[Big] = size / 2;
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32, Pull()));

        var gets = CdnGets(Big);
        Assert.Equal(2, gets.Length);
        Assert.Null(gets[0].Range);
        Assert.Equal(206, gets[1].Status);
        // The resume asks only for what the client does not have: bytes the first response wrote to the socket but
        // that died with the connection are the only ones that travel twice.
        long resumedAt = long.Parse(gets[1].Range!["bytes=".Length..^1], CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, gets[0].BytesSent);
        Assert.Equal(size - resumedAt, gets[1].BytesSent);
        Assert.Contains(Notices, n => n.Contains($"127.0.0.1:{Hub.CdnPort}/cdn-lfs/", StringComparison.Ordinal) && n.Contains("retrying", StringComparison.Ordinal));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_InterruptedWithoutRetries_NextPullResumesWhereItStopped()
    {
        long size = Hub.Content(OpenClipRepo, Big).Length;
        Hub.CutOnce[Big] = size / 2;
        using (var impatient = CreateHub(configure: o => o.MaxRetries = 0))
        {
            var ex = await FailsWith(impatient.PullAsync(ViTB32));
            Assert.Equal(ClipErrorKind.Network, ex.Kind);
            Assert.Contains($"127.0.0.1:{Hub.CdnPort}/cdn-lfs/", ex.Message, StringComparison.Ordinal);
            Assert.False(impatient.IsCached(ViTB32));
            Assert.False(Directory.Exists(impatient.ModelDirectory(ViTB32)));
        }

        using var hub = CreateHub();
        await Guarded(hub.PullAsync(ViTB32));

        var gets = CdnGets(Big);
        Assert.Equal(2, gets.Length);
        Assert.Equal(206, gets[1].Status);
        Assert.Single(CdnGets(Visual)); // finished files are not fetched again
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_429And503WithRetryAfter_WaitsAsAskedAndSucceeds()
    {
        Hub.FailNext[(HubStage.Resolve, "config.json")] = new([(429, "1")]);
        Hub.FailNext[(HubStage.Cdn, Visual)] = new([(503, "1")]);
        using var hub = CreateHub();

        await Guarded(hub.PullAsync(ViTB32, Pull()));

        AssertWaitedAfter(r => r.Path.EndsWith("/config.json", StringComparison.Ordinal) && r.Port == Hub.HubPort);
        AssertWaitedAfter(r => r.Path.EndsWith("/" + Visual, StringComparison.Ordinal) && r.Port == Hub.CdnPort);
        Assert.Contains(Notices, n => n.StartsWith("HTTP 429 from", StringComparison.Ordinal) && n.Contains("retrying in 1.0 s", StringComparison.Ordinal));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_RetryAfterLongerThanTheClientWaits_IsAOneLineErrorSayingSo()
    {
        Hub.FailNext[(HubStage.Resolve, "config.json")] = new([(429, "3600")]);
        using var hub = CreateHub(configure: o => o.MaxRetryAfter = TimeSpan.FromSeconds(30));

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Contains("HTTP 429", ex.Message, StringComparison.Ordinal);
        Assert.Contains("retry after 3600 s", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pull_CdnErrorsThatPersist_GiveUpNamingTheCdnUrlAndStatus()
    {
        Hub.FailNext[(HubStage.Cdn, Visual)] = new(Enumerable.Repeat<(int, string?)>((502, null), 10));
        using var hub = CreateHub(configure: o => o.MaxRetries = 2);

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.Network, ex.Kind);
        Assert.Contains($"HTTP 502 from http://127.0.0.1:{Hub.CdnPort}/cdn-lfs/{OpenClipRepo}/{FakeHub.Commit}/{Visual}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gave up after 2 retries", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/resolve/", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, CdnGets(Visual).Length);
        Assert.False(hub.IsCached(ViTB32));
    }

    [SkippableFact]
    public async Task Pull_CdnHeadersThatNeverCome_TimeOutNamingTheCdnUrl()
    {
        Hub.HangHeaders[Visual] = 100;
        using var hub = CreateHub(configure: o =>
        {
            o.DownloadTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetries = 1;
        });

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.Network, ex.Kind);
        Assert.Contains($"no answer from http://127.0.0.1:{Hub.CdnPort}/cdn-lfs/", ex.Message, StringComparison.Ordinal);
        Assert.Contains("within 0.3 s (HF_HUB_DOWNLOAD_TIMEOUT)", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
    }

    [SkippableFact]
    public async Task Pull_CdnHeadersLateOnce_RecoversByRetrying()
    {
        Hub.HangHeaders[Visual] = 1;
        using var hub = CreateHub(configure: o => o.DownloadTimeout = TimeSpan.FromMilliseconds(500));

        await Guarded(hub.PullAsync(ViTB32));

        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_MetadataThatNeverComes_TimesOutNamingTheResolveUrl()
    {
        Hub.RedirectResolve["config.json"] = $"http://127.0.0.1:{Hub.CdnPort}/cdn-lfs/{OpenClipRepo}/{FakeHub.Commit}/config.json";
        Hub.HangHeaders["config.json"] = 100;
        using var hub = CreateHub(configure: o =>
        {
            o.MetadataTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetries = 0;
        });

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Contains($"no answer from http://127.0.0.1:{Hub.CdnPort}/cdn-lfs/", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HF_HUB_ETAG_TIMEOUT", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pull_ZeroByteFile_IsCachedEmptyAndVerified()
    {
        Hub.PublishCommit(OpenClipRepo, new Dictionary<string, byte[]> { ["textual/special_tokens_map.json"] = [] });
        using var hub = CreateHub();

        var result = await Guarded(hub.PullAsync(ViTB32));

        Assert.Equal(0, new FileInfo(Path.Combine(result.Folder, "textual", "special_tokens_map.json")).Length);
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Pull_RedirectWithoutLinkedSize_LearnsTheSizeFromTheCdnAndVerifies()
    {
        Hub.OmitLinkedSize[Visual] = true;
        Hub.OmitLinkedSize[Big] = true;
        using var hub = CreateHub();

        var result = await Guarded(hub.PullAsync(ViTB32));

        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
        Assert.Equal(ViTB32.Files.Sum(f => Hub.Content(OpenClipRepo, f).Length), result.Bytes);
    }

    [SkippableFact]
    public async Task Pull_BodyLongerThanAnnounced_IsRefusedAndLeavesNothingToResume()
    {
        Hub.ExtraBytes[Visual] = 4096;
        using (var hub = CreateHub())
        {
            var ex = await FailsWith(hub.PullAsync(ViTB32));
            Assert.Equal(ClipErrorKind.Download, ex.Kind);
            Assert.Contains($"http://127.0.0.1:{Hub.CdnPort}/cdn-lfs/", ex.Message, StringComparison.Ordinal);
            Assert.Contains("sent more than the", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(CacheFiles(), f => f.EndsWith(".incomplete", StringComparison.Ordinal));
            Assert.False(hub.IsCached(ViTB32));
        }

        Hub.ExtraBytes.Clear();
        using var again = CreateHub();
        await Guarded(again.PullAsync(ViTB32));

        Assert.All(CdnGets(Visual), r => Assert.Null(r.Range));
        AssertCachedFilesAre(again, ViTB32, OpenClipRepo);
    }

    /// <summary>The request matching <paramref name="which"/> was answered with a Retry-After of 1 s, and the next came no sooner.</summary>
    private void AssertWaitedAfter(Func<HubRequest, bool> which)
    {
        var requests = Hub.Log.Where(which).OrderBy(r => r.Time).ToArray();
        int failed = Array.FindIndex(requests, r => r.Status is 429 or 503);
        Assert.True(failed >= 0 && failed + 1 < requests.Length, "expected a failed request and a retry");
        Assert.True(requests[failed + 1].Time - requests[failed].Time >= TimeSpan.FromSeconds(0.9), "the retry came before the Retry-After");
    }
}
