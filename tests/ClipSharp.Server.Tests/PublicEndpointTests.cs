using System.Net;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>
/// Nothing private without the key: public endpoints are the ones routing maps to them (any case, trailing slash),
/// show no file system paths when a key is set, and /readyz counts live; the OpenAPI document declares the key.
/// </summary>
public sealed class PublicEndpointTests
{
    private const string Key = "public-endpoint-key";

    [Theory]
    [InlineData("/HEALTHZ")]
    [InlineData("/healthz/")]
    [InlineData("/ReadyZ")]
    [InlineData("/STATIC/app.js")]
    [InlineData("/Index.HTML")]
    public async Task PublicEndpoints_ApiKeySetAnySpelling_AreServedWithoutTheKey(string address)
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.ApiKey = Key);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(address)).StatusCode);
    }

    [Theory]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    [InlineData("/OpenAPI/v1.json")]
    [InlineData("/V1/Search?q=x")]
    [InlineData("/healthz/../metrics")]
    [InlineData("/no/such/page")]
    public async Task OtherEndpoints_ApiKeySetAnySpelling_Are401WithoutTheKey(string address)
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.ApiKey = Key);
        await RunningServer.AssertProblemAsync(await server.Client.GetAsync(address), 401, "api-key-missing");
    }

    [SkippableFact]
    public async Task Readyz_ApiKeySet_ShowsNoPathAndCountsFilesLive()
    {
        await using var search = await PhotoLibrary.CreateAsync();
        await using var server = await RunningServer.StartAsync(search: search, configure: o => o.ApiKey = Key);
        var ready = await server.Client.GetAsync("/readyz");
        string body = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.DoesNotContain("/", body.Replace("\\/", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var json = await RunningServer.ReadJsonAsync(ready);
        long count = json.GetProperty("files").GetInt64();
        Assert.Equal(PhotoLibrary.Labels().Count, count);

        // A file added after start-up is counted at once.
        await search.AddAsync([new TestIndexFile(search.Sub("extra.jpg"), FakeClipEmbedder.TextVector("extra"))]);
        Assert.Equal(count + 1, (await RunningServer.ReadJsonAsync(await server.Client.GetAsync("/readyz"))).GetProperty("files").GetInt64());

        // Without a key the location is shown.
        await using var open = await RunningServer.StartAsync(search: search);
        Assert.Equal(search.Location, (await RunningServer.ReadJsonAsync(await open.Client.GetAsync("/readyz"))).GetProperty("index").GetString());
    }

    [Fact]
    public async Task Readyz_ApiKeySetAndLoadFailed_HidesTheDetails()
    {
        await using var server = await RunningServer.StartAsync(waitReady: false, configure: o => o.ApiKey = Key,
            backendFactory: _ => throw new ClipSharpException(ClipErrorKind.InvalidModel, "no model.onnx", "/srv/models/secret-folder"));
        await Assert.ThrowsAsync<ClipSharpException>(() => server.Server.Ready.WaitAsync(TimeSpan.FromSeconds(10)));
        var problem = await RunningServer.AssertProblemAsync(await server.Client.GetAsync("/readyz"), 503, "load-failed");
        Assert.DoesNotContain("secret-folder", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_ApiKeySet_DeclaresTheKeySchemeAndEveryResponseCode()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.ApiKey = Key);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Add("X-API-Key", Key);
        var doc = await RunningServer.ReadJsonAsync(await server.Client.SendAsync(request));
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-API-Key", scheme.GetProperty("name").GetString());

        var paths = doc.GetProperty("paths");
        var classify = paths.GetProperty("/v1/classify").GetProperty("post");
        Assert.True(classify.TryGetProperty("security", out _));
        foreach (string code in new[] { "400", "401", "408", "413", "415", "422", "500", "503", "504" })
        {
            Assert.True(classify.GetProperty("responses").TryGetProperty(code, out var response), "classify: no " + code);
            Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), "classify " + code);
        }

        var image = paths.GetProperty("/v1/images/{id}").GetProperty("get").GetProperty("responses");
        foreach (string code in new[] { "200", "304", "401", "404", "412", "416", "500", "503", "504" })
        {
            Assert.True(image.TryGetProperty(code, out _), "images: no " + code);
        }

        var health = paths.GetProperty("/healthz").GetProperty("get");
        Assert.False(health.TryGetProperty("security", out _));
        Assert.False(health.GetProperty("responses").TryGetProperty("401", out _));
    }

    [Fact]
    public async Task OpenApiDocument_NameOtherThanV1_Is404Problem()
    {
        await using var server = await RunningServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/openapi/v1.json")).StatusCode);
        await RunningServer.AssertProblemAsync(await server.Client.GetAsync("/openapi/v2.json"), 404, "not-found");
        await RunningServer.AssertProblemAsync(await server.Client.GetAsync("/openapi/v1.json.bak"), 404, "not-found");
    }
}
