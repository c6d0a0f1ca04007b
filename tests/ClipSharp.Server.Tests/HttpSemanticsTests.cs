using System.Net;
using System.Net.Http.Headers;

namespace ClipSharp.Server.Tests;

/// <summary>HEAD wherever GET works, and RFC 9110 conditional and range requests on everything with a validator.</summary>
public sealed class HttpSemanticsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    public static TheoryData<string> GetAddresses() =>
    [
        "/", "/index.html", "/static/app.js", "/healthz", "/readyz", "/metrics", "/openapi/v1.json",
        "/v1/search?q=kite", "/v1/images/1", "/v1/images/1/thumbnail", "/v1/images/1/thumbnail?size=64",
        "/no/such/page", "/v1/images/999999", "/v1/images/1/thumbnail?size=5",
    ];

    [SkippableTheory]
    [MemberData(nameof(GetAddresses))]
    public async Task Head_AnyGetAddress_AnswersLikeGetWithoutABody(string address)
    {
        var get = await Client.GetAsync(address);
        using var request = new HttpRequestMessage(HttpMethod.Head, address);
        var head = await Client.SendAsync(request);
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
    }

    [Fact]
    public async Task AllowHeader_WrongMethod_ListsHeadWhereverItListsGet()
    {
        var response = await Client.DeleteAsync("/healthz");
        await RunningServer.AssertProblemAsync(response, 405, "method-not-allowed");
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow);
        var post = await Client.PutAsync("/v1/classify", RunningServer.Json("{}"));
        Assert.Equal(["POST"], post.Content.Headers.Allow);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/v1/classify");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Client.SendAsync(head)).StatusCode);
    }

    [SkippableTheory]
    [InlineData("/v1/images/1/thumbnail")]
    [InlineData("/v1/images/1")]
    [InlineData("/static/app.js")]
    [InlineData("/")]
    public async Task ConditionalGet_IfNoneMatchOrIfMatch_FollowsRfc9110(string address)
    {
        var first = await Client.GetAsync(address);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);

        // If-None-Match: a list, a weak form of the tag (weak comparison), and * all match.
        Assert.Equal(HttpStatusCode.NotModified, await StatusAsync(address, r => r.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", {etag.Tag}")));
        Assert.Equal(HttpStatusCode.NotModified, await StatusAsync(address, r => r.Headers.TryAddWithoutValidation("If-None-Match", "W/" + etag.Tag)));
        Assert.Equal(HttpStatusCode.NotModified, await StatusAsync(address, r => r.Headers.TryAddWithoutValidation("If-None-Match", "*")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(address, r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"other\", W/\"else\"")));

        // If-Match uses strong comparison: a weak tag never matches; a failed precondition is a 412 problem.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(address, r => r.Headers.TryAddWithoutValidation("If-Match", $"\"other\", {etag.Tag}")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(address, r => r.Headers.TryAddWithoutValidation("If-Match", "*")));
        using var weak = new HttpRequestMessage(HttpMethod.Get, address);
        weak.Headers.TryAddWithoutValidation("If-Match", "W/" + etag.Tag);
        await RunningServer.AssertProblemAsync(await Client.SendAsync(weak), 412, "precondition-failed");
    }

    [SkippableFact]
    public async Task OriginalImage_RangeRequest_ServesThePartOrA416Problem()
    {
        byte[] whole = await Client.GetByteArrayAsync("/v1/images/1");
        using var range = new HttpRequestMessage(HttpMethod.Get, "/v1/images/1");
        range.Headers.Range = new RangeHeaderValue(10, 19);
        var partial = await Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(whole.AsSpan(10, 10).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, "/v1/images/1");
        beyond.Headers.Range = new RangeHeaderValue(99_999_999, null);
        var response = await Client.SendAsync(beyond);
        await RunningServer.AssertProblemAsync(response, 416, "range-not-satisfiable");
        Assert.Equal($"bytes */{whole.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    private async Task<HttpStatusCode> StatusAsync(string address, Action<HttpRequestMessage> configure)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        configure(request);
        return (await Client.SendAsync(request)).StatusCode;
    }
}
