using System.Net;
using System.Net.Sockets;
using System.Text;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>Every error path answers an RFC 9457 problem document with the right status.</summary>
public sealed class ErrorTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    [Theory]
    [InlineData("/v1/embeddings/text", "{\"text\": ")]
    [InlineData("/v1/embeddings/text", "{\"text\": 'single quotes'}")]
    [InlineData("/v1/embeddings/image", "[1, 2")]
    [InlineData("/v1/classify", "{\"labels\": [\"a\",], }")]
    [InlineData("/v1/rank-texts", "not json at all")]
    [InlineData("/v1/search", "{\"text\": \"x\"} trailing")]
    public async Task Post_MalformedJson_Is400MalformedJson(string path, string body)
    {
        var response = await Client.PostAsync(path, RunningServer.Json(body));
        await RunningServer.AssertProblemAsync(response, 400, "malformed-json");
    }

    [Theory]
    [InlineData("/v1/embeddings/text", "{\"txt\": \"typo\"}")]
    [InlineData("/v1/embeddings/text", "{\"text\": 42}")]
    [InlineData("/v1/embeddings/text", "null")]
    [InlineData("/v1/search", "{\"limit\": \"many\", \"text\": \"x\"}")]
    public async Task Post_JsonOfTheWrongShape_Is400MalformedJson(string path, string body)
        => await RunningServer.AssertProblemAsync(await Client.PostAsync(path, RunningServer.Json(body)), 400, "malformed-json");

    [Theory]
    [InlineData("/v1/embeddings/text", "{}")]
    [InlineData("/v1/embeddings/text", "{\"text\": \"a\", \"texts\": [\"b\"]}")]
    [InlineData("/v1/embeddings/text", "{\"texts\": []}")]
    [InlineData("/v1/embeddings/text", "{\"texts\": [\"ok\", \"  \"]}")]
    [InlineData("/v1/embeddings/image", "{\"image\": \"@@@ not base64 @@@\"}")]
    [InlineData("/v1/embeddings/image", "{\"images\": []}")]
    [InlineData("/v1/classify", "{\"labels\": [\"dog\"]}")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"imageId\": 1, \"labels\": [\"dog\"]}")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\"}")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"labels\": [\"dog\", \"dog\"]}")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"labels\": [\"dog\"], \"template\": \"no placeholder\"}")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"labels\": [\"dog\"], \"ensemble\": \"cifar\"}")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"labels\": [\"dog\"], \"ensemble\": \"imagenet\", \"template\": \"{}\"}")]
    [InlineData("/v1/rank-texts", "{\"image\": \"AAAA\"}")]
    [InlineData("/v1/search", "{}")]
    [InlineData("/v1/search", "{\"text\": \"x\", \"limit\": 0}")]
    [InlineData("/v1/search", "{\"text\": \"x\", \"minScore\": 7}")]
    [InlineData("/v1/search", "{\"terms\": [{\"text\": \"x\", \"imageId\": 1}]}")]
    [InlineData("/v1/search", "{\"terms\": [{\"text\": \"x\", \"weight\": 1}, {\"text\": \"x\", \"weight\": -1}]}")]
    public async Task Post_InvalidRequestFields_Is400BadRequest(string path, string body)
    {
        await RunningServer.AssertProblemAsync(await Client.PostAsync(path, RunningServer.Json(body)), 400, "bad-request");
    }

    [Theory]
    [InlineData("/v1/search?q=")]
    [InlineData("/v1/search?q=x&limit=abc")]
    [InlineData("/v1/search?q=x&limit=100000")]
    [InlineData("/v1/search?q=x&minScore=high")]
    [InlineData("/v1/images/1/thumbnail?size=5")]
    [InlineData("/v1/images/1/thumbnail?size=big")]
    public async Task Get_InvalidQueryParameters_Is400(string url)
    {
        await RunningServer.AssertProblemAsync(await Client.GetAsync(url), 400);
    }

    [Theory]
    [InlineData("/v1/embeddings/text", "text/plain")]
    [InlineData("/v1/embeddings/text", "application/x-www-form-urlencoded")]
    [InlineData("/v1/embeddings/image", "text/plain")]
    [InlineData("/v1/classify", "image/png")]
    [InlineData("/v1/rank-texts", "text/csv")]
    [InlineData("/v1/search", "application/xml")]
    public async Task Post_WrongContentType_Is415UnsupportedMediaType(string path, string contentType)
    {
        var response = await Client.PostAsync(path, RunningServer.Bytes("{\"text\":\"x\"}"u8.ToArray(), contentType));
        await RunningServer.AssertProblemAsync(response, 415, "unsupported-media-type");
    }

    [Fact]
    public async Task Post_MissingContentType_Is415()
    {
        var content = new ByteArrayContent("{\"text\":\"x\"}"u8.ToArray());
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/text", content), 415);
    }

    [SkippableFact]
    public async Task ImageEmbedding_NotAnImageOrEmpty_Is422NamingTheImage()
    {
        byte[] text = await File.ReadAllBytesAsync(TestData.Path("edge", "text-not-an-image.jpg"));
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(text, "image/jpeg")), 422, "not-an-image");
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes([], "image/jpeg")), 422, "not-an-image");
        var problem = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/image",
            RunningServer.Json(new { images = new[] { Convert.ToBase64String(await File.ReadAllBytesAsync(TestData.Path("photos", "kite-in-sky.jpg"))), Convert.ToBase64String(text) } })), 422);
        Assert.Contains("image 1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ImageEndpoints_DecompressionBomb_Is413ImageTooLarge()
    {
        byte[] bomb = await File.ReadAllBytesAsync(TestData.Path("edge", "bomb-50000x50000-valid.png"));
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(bomb, "image/png")), 413, "image-too-large");
        using var form = new MultipartFormDataContent
        {
            { RunningServer.Bytes(bomb, "image/png"), "image", "bomb.png" },
            { new StringContent("dog,cat"), "labels" },
        };
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify", form), 413, "image-too-large");
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/rank-texts",
            RunningServer.Json(new { image = Convert.ToBase64String(bomb), texts = new[] { "a" } })), 413, "image-too-large");
    }

    [Fact]
    public async Task Post_OversizedBodyWithOrWithoutContentLength_Is413()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.MaxRequestBytes = 64 * 1024);
        byte[] big = new byte[200 * 1024];
        await AssertTooLargeAsync(server, () => server.Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(big, "image/png")), "request-too-large");

        await AssertTooLargeAsync(server, () =>
        {
            var chunked = new StreamContent(new MemoryStream(big));
            chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings/image") { Content = chunked };
            request.Headers.TransferEncodingChunked = true;
            return server.Client.SendAsync(request);
        }, "request-too-large");

        await AssertTooLargeAsync(server, () => server.Client.PostAsync("/v1/embeddings/image", new MultipartFormDataContent { { RunningServer.Bytes(big, "image/png"), "image", "big.png" } }), null);

        string json = "{\"texts\": [\"" + new string('a', 9000) + "\"" + string.Concat(Enumerable.Repeat(", \"" + new string('b', 9000) + "\"", 10)) + "]}";
        await AssertTooLargeAsync(server, () => server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(json)), null);
    }

    /// <summary>
    /// A 413 problem — or, when the server answers before the client has finished sending the body, the connection
    /// closed under the upload (HTTP allows that); either way the server must still be healthy afterwards.
    /// </summary>
    private static async Task AssertTooLargeAsync(RunningServer server, Func<Task<HttpResponseMessage>> send, string? code)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await send();
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
            // Kestrel refused the body early and closed the connection: the upload was rejected.
        }

        if (response is not null)
        {
            if (code is null)
            {
                await RunningServer.AssertProblemAsync(response, 413);
            }
            else
            {
                await RunningServer.AssertProblemAsync(response, 413, code);
            }
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
    }

    [SkippableFact]
    public async Task Endpoints_UnknownImageId_Is404NotFound()
    {
        await RunningServer.AssertProblemAsync(await Client.GetAsync("/v1/images/999999"), 404, "not-found");
        await RunningServer.AssertProblemAsync(await Client.GetAsync("/v1/images/999999/thumbnail"), 404, "not-found");
        await RunningServer.AssertProblemAsync(await Client.GetAsync("/v1/images/-1"), 404, "not-found");
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/search", RunningServer.Json(new { imageId = 424242 })), 404, "not-found");
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify", RunningServer.Json(new { imageId = 424242, labels = new[] { "a" } })), 404, "not-found");
    }

    [SkippableTheory]
    [InlineData("/v1/images/..%2F..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/v1/images/%2Fetc%2Fpasswd")]
    [InlineData("/v1/images/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/v1/images/1/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/v1/images/1%2F..%2F..%2Fetc%2Fpasswd/thumbnail")]
    [InlineData("/v1/images/C:%5CWindows%5Cwin.ini")]
    [InlineData("/v1/images/%252e%252e%252fetc%252fpasswd")]
    [InlineData("/v1/images/cat-chelsea.png")]
    [InlineData("/static/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/static/%2Fetc%2Fpasswd")]
    public async Task Get_EncodedPathInPlaceOfAnId_Is404AndReadsNoFile(string url)
    {
        var response = await Client.GetAsync(url);
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        await RunningServer.AssertProblemAsync(response, 404);
    }

    [SkippableTheory]
    [InlineData("/v1/images/../../../../etc/passwd")]
    [InlineData("/v1/images/1/../../../../../etc/passwd")]
    [InlineData("/v1/images//etc/passwd")]
    [InlineData("/v1/images/%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/thumbnail")]
    [InlineData("/static/../../../../etc/passwd")]
    public async Task Get_RawDotDotTraversal_NeverReachesTheFileSystem(string target)
    {
        // HttpClient would normalise the dots away; send the request line exactly as an attacker would.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Server.Address.Host, fixture.Server.Address.Port);
        await using var stream = tcp.GetStream();
        byte[] request = Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync();
        Assert.DoesNotContain("root:", response, StringComparison.Ordinal);
        string status = response.Split("\r\n")[0];
        Assert.True(status.Contains(" 404 ", StringComparison.Ordinal) || status.Contains(" 400 ", StringComparison.Ordinal), status);
        if (status.Contains(" 404 ", StringComparison.Ordinal))
        {
            Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Server_UnknownRouteOrWrongMethod_Is404Or405Problem()
    {
        await RunningServer.AssertProblemAsync(await Client.GetAsync("/v2/nothing"), 404, "not-found");
        await RunningServer.AssertProblemAsync(await Client.GetAsync("/v1/classify"), 405, "method-not-allowed");
        await RunningServer.AssertProblemAsync(await Client.DeleteAsync("/v1/search"), 405);
    }

    [Fact]
    public async Task SearchAndImages_NoIndex_Are503NoIndex()
    {
        await using var server = await RunningServer.StartAsync();
        await RunningServer.AssertProblemAsync(await server.Client.GetAsync("/v1/search?q=cat"), 503, "no-index");
        await RunningServer.AssertProblemAsync(await server.Client.GetAsync("/v1/images/1"), 503, "no-index");
    }

    [Fact]
    public async Task ApiKey_Configured_IsRequiredEverywhereButHealthAndThePage()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.ApiKey = "s3cret-key");
        var client = server.Client;
        var missing = await client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = "x" }));
        await RunningServer.AssertProblemAsync(missing, 401, "api-key-missing");
        Assert.True(missing.Headers.WwwAuthenticate.Count > 0);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings/text") { Content = RunningServer.Json(new { text = "x" }) };
        wrong.Headers.Add("X-API-Key", "s3cret-kez");
        await RunningServer.AssertProblemAsync(await client.SendAsync(wrong), 401, "api-key-invalid");

        using var right = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings/text") { Content = RunningServer.Json(new { text = "x" }) };
        right.Headers.Add("X-API-Key", "s3cret-key");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(right)).StatusCode);

        await RunningServer.AssertProblemAsync(await client.GetAsync("/metrics"), 401);
        await RunningServer.AssertProblemAsync(await client.GetAsync("/openapi/v1.json"), 401);
        await RunningServer.AssertProblemAsync(await client.GetAsync("/v1/images/1/thumbnail"), 401);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task ReadyzAndApi_ModelNotYetLoaded_Are503UntilItLoads()
    {
        var release = new TaskCompletionSource<IClipEmbedder>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RunningServer.StartAsync(waitReady: false, backendFactory: _ => release.Task);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
        var notReady = await server.Client.GetAsync("/readyz");
        await RunningServer.AssertProblemAsync(notReady, 503, "not-ready");
        Assert.NotNull(notReady.Headers.RetryAfter);
        await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = "x" })), 503, "not-ready");

        release.SetResult(new FakeClipEmbedder());
        await server.Server.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_ModelFailsToLoad_Is503NamingTheReason()
    {
        await using var server = await RunningServer.StartAsync(waitReady: false,
            backendFactory: _ => throw new ClipSharpException(ClipErrorKind.InvalidModel, "no such model folder", "/models/none"));
        await Assert.ThrowsAsync<ClipSharpException>(() => server.Server.Ready.WaitAsync(TimeSpan.FromSeconds(10)));
        var problem = await RunningServer.AssertProblemAsync(await server.Client.GetAsync("/readyz"), 503, "load-failed");
        Assert.Contains("no such model folder", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_SlowerThanTheTimeout_Is504Timeout()
    {
        var slow = new FakeClipEmbedder { Delay = TimeSpan.FromSeconds(2) };
        await using var server = await RunningServer.StartAsync(slow, configure: o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = "x" })), 504, "timeout");
    }

    [Fact]
    public async Task TextEmbedding_MoreTextsThanTheLimit_Is400()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.MaxTextsPerRequest = 3);
        await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { texts = new[] { "a", "b", "c", "d" } })), 400);
    }

    [Theory]
    [InlineData("/v1/embeddings/text", "{\"texts\": \"one\"}", "$.texts")]
    [InlineData("/v1/embeddings/text", "{\"text\": 42}", "$.text")]
    [InlineData("/v1/embeddings/text", "{\"txt\": \"typo\"}", "'txt'")]
    [InlineData("/v1/embeddings/text", "[1, 2]", "The body must be")]
    [InlineData("/v1/embeddings/text", "{\"text\": \"\\ud800\"}", "$.text")]
    [InlineData("/v1/search", "{\"text\": \"x\", \"limit\": 1e10}", "$.limit")]
    [InlineData("/v1/search", "{\"terms\": [{\"text\": \"x\", \"weight\": \"heavy\"}]}", "$.terms[0].weight")]
    [InlineData("/v1/search", "{\"text\": \"x\", \"after\": \"yesterday\"}", "$.after")]
    [InlineData("/v1/classify", "{\"labels\": [\"a\"], \"image\": \"AAAA\", \"imageId\": true}", "$.imageId")]
    [InlineData("/v1/classify", "{\"labels\": {\"a\": 1}}", "$.labels")]
    public async Task JsonError_BadField_NamesTheJsonPathNeverADotnetType(string path, string body, string named)
    {
        var problem = await RunningServer.AssertProblemAsync(await Client.PostAsync(path, RunningServer.Json(body)), 400, "malformed-json");
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(named, detail, StringComparison.Ordinal);
        foreach (string dotnet in new[] { "System.", "ClipSharp.", "`1", "Int32", "Int64", "Single", "IReadOnlyList", "Request", ".NET" })
        {
            Assert.DoesNotContain(dotnet, detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/v1/embeddings/text", "{\"texts\": [\"a\", null]}", "item 1")]
    [InlineData("/v1/embeddings/image", "{\"images\": [null]}", "image 0")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"labels\": [null]}", "item 0")]
    [InlineData("/v1/classify", "{\"image\": \"AAAA\", \"labels\": [\"a\"], \"templates\": [\"{}\", null]}", "Template 1")]
    [InlineData("/v1/rank-texts", "{\"image\": \"AAAA\", \"texts\": [null]}", "item 0")]
    [InlineData("/v1/search", "{\"terms\": [null]}", "term 0")]
    [InlineData("/v1/search", "{\"text\": \"a\", \"terms\": [{\"text\": \"b\"}, null]}", "term 2")]
    public async Task Post_NullItemInAList_Is400NamingItsPosition(string path, string body, string named)
    {
        var problem = await RunningServer.AssertProblemAsync(await Client.PostAsync(path, RunningServer.Json(body)), 400, "bad-request");
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task WeightedSearch_WeightsAtTheFloatLimit_AreScaledNotOverflowed()
    {
        static object Terms(float a, float b) => new { terms = new object[] { new { text = "tiger", weight = a }, new { text = "kite", weight = b } }, limit = 5 };
        var small = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/search", RunningServer.Json(Terms(3, 1))));
        var huge = await Client.PostAsync("/v1/search", RunningServer.Json(Terms(3e38f, 1e38f)));
        Assert.Equal(HttpStatusCode.OK, huge.StatusCode);
        var results = (await RunningServer.ReadJsonAsync(huge)).GetProperty("results");
        var expected = small.GetProperty("results");
        Assert.Equal(expected.GetArrayLength(), results.GetArrayLength());
        for (int i = 0; i < results.GetArrayLength(); i++)
        {
            Assert.Equal(expected[i].GetProperty("id").GetInt64(), results[i].GetProperty("id").GetInt64());
            Assert.Equal(expected[i].GetProperty("score").GetDouble(), results[i].GetProperty("score").GetDouble(), 5);
            Assert.NotEqual(0, results[i].GetProperty("score").GetDouble());
        }

        // Tiny weights too, and a weight beyond the float range is a 400 (not a silent infinity).
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/v1/search", RunningServer.Json(Terms(1e-45f, 1e-45f)))).StatusCode);
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/search", RunningServer.Json("{\"terms\": [{\"text\": \"a\", \"weight\": 1e39}]}")), 400);
    }

    [SkippableTheory]
    [InlineData("/v1/search?q=x&limit=abc", "'limit'")]
    [InlineData("/v1/search?q=x&limit=1&limit=2", "'limit'")]
    [InlineData("/v1/search?q=x&minScore=high", "'minScore'")]
    [InlineData("/v1/search?q=x&after=someday", "'after'")]
    [InlineData("/v1/search?q=a&q=b", "'q'")]
    [InlineData("/v1/images/1/thumbnail?size=big", "'size'")]
    [InlineData("/v1/images/1/thumbnail?size=-5", "'size'")]
    public async Task QueryParameterError_BadOrRepeatedValue_NamesTheParameterNeverADotnetType(string url, string named)
    {
        var problem = await RunningServer.AssertProblemAsync(await Client.GetAsync(url), 400, "bad-request");
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(named, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("int?", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("bind", detail, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task ImageEmbedding_BadImageAmongSeveral_IsNamedByIndexAndFileName()
    {
        byte[] good = await File.ReadAllBytesAsync(TestData.Path("photos", "kite-in-sky.jpg"));
        byte[] bad = await File.ReadAllBytesAsync(TestData.Path("edge", "text-not-an-image.jpg"));
        using var form = new MultipartFormDataContent
        {
            { RunningServer.Bytes(good, "image/jpeg"), "image", "kite.jpg" },
            { RunningServer.Bytes(bad, "image/jpeg"), "image", "notes.jpg" },
        };
        var multipart = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/image", form), 422, "not-an-image");
        Assert.StartsWith("image 1 (notes.jpg): ", multipart.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var json = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/embeddings/image",
            RunningServer.Json(new { images = new[] { Convert.ToBase64String(good), Convert.ToBase64String(good), Convert.ToBase64String(bad) } })), 422);
        string detail = json.GetProperty("detail").GetString()!;
        Assert.StartsWith("image 2: ", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("<image data>", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Form_TooManyFields_Is400NamingTheCountNot413()
    {
        var fields = Enumerable.Range(0, 5000).Select(i => new KeyValuePair<string, string>("labels", "l" + i));
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var problem = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify", form), 400, "limit-exceeded");
        Assert.Contains("count", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ProblemsMap_BodyArrivingTooSlowly_Is408RequestTimeout()
    {
        var mapped = Http.Problems.Map(new Microsoft.AspNetCore.Http.BadHttpRequestException("Reading the request body timed out due to data arriving too slowly.", 408));
        Assert.NotNull(mapped);
        Assert.Equal((408, "request-timeout"), (mapped.Value.Status, mapped.Value.Code));
    }
}
