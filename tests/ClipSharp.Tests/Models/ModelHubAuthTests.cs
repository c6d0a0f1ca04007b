using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>
/// The token goes to the endpoint's origin (scheme, host, port) and nowhere else, whatever the redirects say; only
/// http(s) redirects are followed. Checked in the fake hub's request log, per port.
/// </summary>
public sealed class ModelHubAuthTests : FakeHubTestBase
{
    private const string Token = "secret-token";

    internal override bool Tls => true;

    [SkippableFact]
    public async Task Pull_WithAToken_SendsItToTheHubOnlyNeverToTheCdn()
    {
        Hub.GatedRepos[HfRepo] = Token;
        using var hub = CreateHub(token: Token);

        await Guarded(hub.PullAsync(HfB32));

        var atHub = Hub.Log.Where(r => r.Port == Hub.HubPort).ToArray();
        var atCdn = Hub.Log.Where(r => r.Port == Hub.CdnPort).ToArray();
        Assert.NotEmpty(atCdn);
        Assert.All(atHub, r => Assert.Equal("Bearer " + Token, r.Authorization));
        Assert.All(atCdn, r => Assert.Null(r.Authorization));
        AssertCachedFilesAre(hub, HfB32, HfRepo);
    }

    [SkippableFact]
    public async Task Metadata_RedirectedToAnotherOrigin_DropsTheToken()
    {
        // The review's case: a HEAD on resolve/main/config.json answered 302 to another port delivered the token there.
        Hub.RedirectResolve["config.json"] = $"http://localhost:{Hub.CdnPort}/cdn-lfs/{OpenClipRepo}/{FakeHub.Commit}/config.json";
        using var hub = CreateHub(token: Token);

        await Guarded(hub.PullAsync(ViTB32));

        Assert.Contains(Hub.Log, r => r.Port == Hub.CdnPort && r.Method == "HEAD" && r.Path.EndsWith("/config.json", StringComparison.Ordinal));
        Assert.All(Hub.Log.Where(r => r.Port == Hub.CdnPort), r => Assert.Null(r.Authorization));
        Assert.All(Hub.Log.Where(r => r.Port == Hub.HubPort), r => Assert.Equal("Bearer " + Token, r.Authorization));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Redirect_FromHttpsToHttp_DropsTheToken()
    {
        // Over TLS the hub sends LFS files to the http CDN, and config.json to the hub's own http port: both downgrades.
        Hub.RedirectResolve["config.json"] = $"http://127.0.0.1:{Hub.HubPort}/cdn-lfs/{OpenClipRepo}/{FakeHub.Commit}/config.json";
        using var hub = CreateHub(token: Token, endpoint: Hub.TlsEndpoint, configure: TrustTheHubCertificate);

        await Guarded(hub.PullAsync(ViTB32));

        Assert.All(Hub.Log.Where(r => r.Port == Hub.TlsPort), r => Assert.Equal("Bearer " + Token, r.Authorization));
        Assert.Contains(Hub.Log, r => r.Port == Hub.HubPort && r.Path.EndsWith("/config.json", StringComparison.Ordinal));
        Assert.All(Hub.Log.Where(r => r.Port != Hub.TlsPort), r => Assert.Null(r.Authorization));
        AssertCachedFilesAre(hub, ViTB32, OpenClipRepo);
    }

    [SkippableFact]
    public async Task Redirect_OnTheSameOrigin_KeepsTheToken()
    {
        // A hub that serves gated LFS files from its own origin needs the token on the redirected GET too.
        Hub.GatedRepos[HfRepo] = Token;
        Hub.CdnOnSameOrigin = true;
        Hub.CdnRequiresToken = true;
        using var hub = CreateHub(token: Token);

        await Guarded(hub.PullAsync(HfB32));

        Assert.All(Hub.Log, r => Assert.Equal("Bearer " + Token, r.Authorization));
        Assert.Contains(Hub.Log, r => r.Path.StartsWith("/cdn-lfs/", StringComparison.Ordinal) && r.Status == 200);
    }

    [SkippableFact]
    public async Task Redirect_ToAFileUrl_IsAOneLineErrorAndNothingIsCached()
    {
        Hub.RedirectResolve["config.json"] = "file:///etc/passwd";
        using var hub = CreateHub(token: Token);

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.Download, ex.Kind);
        Assert.Contains("file:///etc/passwd", ex.Message, StringComparison.Ordinal);
        Assert.Contains("only http and https", ex.Message, StringComparison.Ordinal);
        Assert.False(hub.IsCached(ViTB32));
    }

    [SkippableFact]
    public async Task Redirect_ToAnUnparsableAddress_IsAOneLineError()
    {
        Hub.RedirectResolve["config.json"] = "http://[not an address/";
        using var hub = CreateHub();

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Contains("cannot be parsed", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Token_EndingInANewline_IsTrimmedAndAccepted()
    {
        Hub.GatedRepos[HfRepo] = Token;
        using var hub = CreateHub(token: Token + "\r\n");

        await Guarded(hub.PullAsync(HfB32));

        Assert.All(Hub.Log.Where(r => r.Port == Hub.HubPort), r => Assert.Equal("Bearer " + Token, r.Authorization));
    }

    [SkippableFact]
    public async Task Token_WithAControlCharacter_IsAOneLineErrorThatDoesNotShowIt()
    {
        using var hub = CreateHub(token: "hf_abc\u0001def");

        var ex = await FailsWith(hub.PullAsync(ViTB32));

        Assert.Equal(ClipErrorKind.InvalidInput, ex.Kind);
        Assert.DoesNotContain("hf_abc", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Hub.Log);
    }

    private void TrustTheHubCertificate(ModelHubOptions options)
        => options.ConfigureHandler = handler => handler.SslOptions.RemoteCertificateValidationCallback =
            (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == Hub.Certificate!.GetCertHashString();
}
