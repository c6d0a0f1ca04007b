using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ClipSharp.Tests;
using SkiaSharp;

namespace ClipSharp.Server.Tests;

/// <summary>Every endpoint's success path, against a real Kestrel server on 127.0.0.1 with the fake backend.</summary>
public sealed class EndpointTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    private static string Photo(string file) => TestData.Path("photos", file);

    [Fact]
    public async Task HealthzAndReadyz_ModelLoaded_AnswerOkWithModelAndDimension()
    {
        var health = await Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await RunningServer.ReadJsonAsync(health)).GetProperty("status").GetString());

        var ready = await Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await RunningServer.ReadJsonAsync(ready);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("fake", body.GetProperty("model").GetString());
        Assert.Equal(FakeClipEmbedder.DefaultDimension, body.GetProperty("dimension").GetInt32());
        Assert.True(fixture.Backend.WarmCount >= 1);
    }

    [Fact]
    public async Task OpenApiDocument_Requested_DescribesEveryV1Endpoint()
    {
        var response = await Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await RunningServer.ReadJsonAsync(response);
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.GetProperty("paths");
        foreach (string path in new[]
        {
            "/v1/embeddings/text", "/v1/embeddings/image", "/v1/classify", "/v1/rank-texts", "/v1/search",
            "/v1/images/{id}", "/v1/images/{id}/thumbnail", "/healthz", "/readyz", "/metrics",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), "missing " + path);
        }

        Assert.True(paths.GetProperty("/v1/search").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/search").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/v1/embeddings/image").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
    }

    [Fact]
    public async Task Metrics_AfterARequest_ArePrometheusText()
    {
        await Client.GetAsync("/healthz");
        var response = await Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE clipsharp_http_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("clipsharp_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"2xx\"}", text, StringComparison.Ordinal);
        Assert.Contains("clipsharp_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}", text, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TextEmbedding_OneTextOrMany_ReturnsNormalisedVectorsInOrder()
    {
        var one = await Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = "a dog on grass" }));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var body = await RunningServer.ReadJsonAsync(one);
        Assert.Equal("fake", body.GetProperty("model").GetString());
        Assert.Equal(FakeClipEmbedder.DefaultDimension, body.GetProperty("dimension").GetInt32());
        var data = body.GetProperty("data");
        Assert.Equal(1, data.GetArrayLength());
        Assert.Equal(FakeClipEmbedder.TextVector("a dog on grass"), Vector(data[0]), new FloatComparer(1e-6f));

        string[] texts = ["a cat", "a bird", "a red car"];
        var many = await Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { texts }));
        var items = (await RunningServer.ReadJsonAsync(many)).GetProperty("data");
        Assert.Equal(3, items.GetArrayLength());
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(i, items[i].GetProperty("index").GetInt32());
            Assert.Equal(texts[i], items[i].GetProperty("input").GetString());
            float[] v = Vector(items[i]);
            Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 4);
            Assert.Equal(FakeClipEmbedder.TextVector(texts[i]), v, new FloatComparer(1e-6f));
        }
    }

    [SkippableFact]
    public async Task ImageEmbedding_MultipartRawOrBase64_GivesTheSameVectors()
    {
        byte[] cat = await File.ReadAllBytesAsync(Photo("cat-chelsea.png"));
        byte[] cup = await File.ReadAllBytesAsync(Photo("coffee-cup.png"));

        using var form = new MultipartFormDataContent
        {
            { RunningServer.Bytes(cat, "image/png"), "image", "cat-chelsea.png" },
            { RunningServer.Bytes(cup, "image/png"), "image", "coffee-cup.png" },
        };
        var multipart = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/embeddings/image", form));
        var items = multipart.GetProperty("data");
        Assert.Equal(2, items.GetArrayLength());
        Assert.Equal("cat-chelsea.png", items[0].GetProperty("input").GetString());
        Assert.Equal("coffee-cup.png", items[1].GetProperty("input").GetString());

        var raw = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(cat, "image/png")));
        var octet = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(cup, "application/octet-stream")));
        var base64 = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/embeddings/image",
            RunningServer.Json(new { images = new[] { "data:image/png;base64," + Convert.ToBase64String(cat), Convert.ToBase64String(cup) } })));
        var single = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Json(new { image = Convert.ToBase64String(cat) })));

        float[] catVector = Vector(items[0]);
        float[] cupVector = Vector(items[1]);
        Assert.Equal(catVector, Vector(raw.GetProperty("data")[0]));
        Assert.Equal(cupVector, Vector(octet.GetProperty("data")[0]));
        Assert.Equal(catVector, Vector(base64.GetProperty("data")[0]));
        Assert.Equal(cupVector, Vector(base64.GetProperty("data")[1]));
        Assert.Equal(catVector, Vector(single.GetProperty("data")[0]));
        Assert.NotEqual(catVector, cupVector);
    }

    [SkippableFact]
    public async Task Classify_JsonOrMultipart_GivesTheExpectedProbabilities()
    {
        byte[] cat = await File.ReadAllBytesAsync(Photo("cat-chelsea.png"));
        string[] labels = ["dog", "cat", "bird"];
        var json = await Client.PostAsync("/v1/classify", RunningServer.Json(new { image = Convert.ToBase64String(cat), labels }));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var body = await RunningServer.ReadJsonAsync(json);
        var results = body.GetProperty("results");
        Assert.Equal(labels, results.EnumerateArray().Select(r => r.GetProperty("label").GetString()).ToArray());
        Assert.Equal("a photo of a dog.", results[0].GetProperty("prompt").GetString());
        Assert.Equal(1.0, results.EnumerateArray().Sum(r => r.GetProperty("probability").GetDouble()), 4);

        // The same maths as ZeroShotClassifier: cosine with each prompt embedding, softmax(100 · cosine).
        var embedded = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(cat, "image/png")));
        float[] image = Vector(embedded.GetProperty("data")[0]);
        float[] cosines = labels.Select(l => System.Numerics.Tensors.TensorPrimitives.Dot(image, FakeClipEmbedder.TextVector($"a photo of a {l}."))).ToArray();
        float[] expected = new float[3];
        ClipMath.Softmax(cosines, 100f, expected);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(cosines[i], results[i].GetProperty("score").GetSingle(), 5);
            Assert.Equal(expected[i], results[i].GetProperty("probability").GetSingle(), 5);
        }

        Assert.Equal(labels[Array.IndexOf(cosines, cosines.Max())], body.GetProperty("best").GetString());

        using var form = new MultipartFormDataContent
        {
            { RunningServer.Bytes(cat, "image/png"), "image", "cat.png" },
            { new StringContent("dog, cat,bird"), "labels" },
        };
        var multipart = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/classify", form));
        Assert.Equal(
            results.EnumerateArray().Select(r => r.GetProperty("probability").GetSingle()),
            multipart.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("probability").GetSingle()));
    }

    [SkippableFact]
    public async Task Classify_TemplateOrImagenetEnsemble_UsesThePromptsAskedFor()
    {
        string image = Convert.ToBase64String(await File.ReadAllBytesAsync(Photo("tiger-cutout-rgba.png")));
        var verbatim = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image, labels = new[] { "tiger", "house" }, template = "{}" })));
        Assert.Equal("tiger", verbatim.GetProperty("results")[0].GetProperty("prompt").GetString());

        var ensemble = await Client.PostAsync("/v1/classify", RunningServer.Json(new { image, labels = new[] { "tiger", "house", "tree" }, ensemble = "imagenet" }));
        Assert.Equal(HttpStatusCode.OK, ensemble.StatusCode);
        var body = await RunningServer.ReadJsonAsync(ensemble);
        Assert.StartsWith("mean of 80 prompts:", body.GetProperty("results")[0].GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.Equal(1.0, body.GetProperty("results").EnumerateArray().Sum(r => r.GetProperty("probability").GetDouble()), 4);
    }

    [SkippableFact]
    public async Task RankTexts_SeveralCaptions_RanksThemBestFirst()
    {
        string image = Convert.ToBase64String(await File.ReadAllBytesAsync(Photo("kite-in-sky.jpg")));
        string[] texts = ["a kite", "a cup of coffee", "a kite in the sky", "a bowl"];
        var response = await Client.PostAsync("/v1/rank-texts", RunningServer.Json(new { image, texts }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await RunningServer.ReadJsonAsync(response)).GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(4, results.Length);
        float[] scores = results.Select(r => r.GetProperty("score").GetSingle()).ToArray();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.Equal(texts.OrderBy(t => t), results.Select(r => r.GetProperty("text").GetString()!).OrderBy(t => t));
        Assert.Equal(1.0, results.Sum(r => r.GetProperty("probability").GetDouble()), 4);
        foreach (var r in results)
        {
            Assert.Equal(texts[r.GetProperty("index").GetInt32()], r.GetProperty("text").GetString());
        }
    }

    [SkippableFact]
    public async Task SearchGet_Text_ReturnsTheMatchingPhotoFirstWithAllFields()
    {
        var response = await Client.GetAsync("/v1/search?q=tiger&limit=5");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await RunningServer.ReadJsonAsync(response)).GetProperty("results");
        Assert.Equal(5, results.GetArrayLength());
        var top = results[0];
        Assert.Equal("tiger-cutout-rgba.png", top.GetProperty("name").GetString());
        long id = top.GetProperty("id").GetInt64();
        Assert.Equal(PhotoLibrary.IdOf("tiger-cutout-rgba.png"), id);
        Assert.Equal(Photo("tiger-cutout-rgba.png"), top.GetProperty("path").GetString());
        Assert.Equal(1.0, top.GetProperty("score").GetDouble(), 4);
        Assert.Equal(new FileInfo(Photo("tiger-cutout-rgba.png")).Length, top.GetProperty("size").GetInt64());
        Assert.True(top.TryGetProperty("date", out _));
        Assert.Equal($"/v1/images/{id}/thumbnail", top.GetProperty("thumbnail").GetString());
        Assert.Equal($"/v1/images/{id}", top.GetProperty("url").GetString());
        double[] scores = results.EnumerateArray().Select(r => r.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(scores.OrderByDescending(s => s), scores);

        var filtered = await RunningServer.ReadJsonAsync(await Client.GetAsync("/v1/search?q=tiger&limit=50&minScore=0.5"));
        Assert.All(filtered.GetProperty("results").EnumerateArray(), r => Assert.True(r.GetProperty("score").GetDouble() >= 0.5));
        Assert.True(filtered.GetProperty("results").GetArrayLength() >= 1);
    }

    [SkippableFact]
    public async Task SearchPost_TextImageIdOrWeightedTerms_FindsTheExpectedPhotos()
    {
        long kite = PhotoLibrary.IdOf("kite-in-sky.jpg");
        var text = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/search", RunningServer.Json(new { text = "kite", limit = 3 })));
        Assert.Equal(kite, text.GetProperty("results")[0].GetProperty("id").GetInt64());

        // More like this: the stored embedding of an indexed image; it finds itself first.
        var similar = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/search", RunningServer.Json(new { imageId = kite, limit = 3 })));
        Assert.Equal(kite, similar.GetProperty("results")[0].GetProperty("id").GetInt64());

        // A weighted combination: mostly "tiger", a little "kite".
        var combined = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/search", RunningServer.Json(new
        {
            terms = new object[] { new { text = "tiger", weight = 2.0 }, new { imageId = kite, weight = 1.0 } },
            limit = 2,
        })));
        var ids = combined.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToArray();
        Assert.Equal([PhotoLibrary.IdOf("tiger-cutout-rgba.png"), kite], ids);

        // By image upload.
        string image = Convert.ToBase64String(await File.ReadAllBytesAsync(Photo("coffee-cup.png")));
        var byImage = await Client.PostAsync("/v1/search", RunningServer.Json(new { image, limit = 4 }));
        Assert.Equal(HttpStatusCode.OK, byImage.StatusCode);
        Assert.Equal(4, (await RunningServer.ReadJsonAsync(byImage)).GetProperty("results").GetArrayLength());

        // Filters: folder and date.
        var none = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/search", RunningServer.Json(new { text = "kite", @in = "/nowhere" })));
        Assert.Equal(0, none.GetProperty("results").GetArrayLength());
        var after = await RunningServer.ReadJsonAsync(await Client.PostAsync("/v1/search", RunningServer.Json(new { text = "kite", limit = 100, after = new DateTime(2020, 1, 1) })));
        Assert.All(after.GetProperty("results").EnumerateArray(), r => Assert.Equal(0, r.GetProperty("id").GetInt64() % 2));
    }

    [SkippableFact]
    public async Task Images_IndexedFile_ServesTheOriginalAndCachedSizedThumbnails()
    {
        long id = PhotoLibrary.IdOf("kite-in-sky.jpg");
        var original = await Client.GetAsync($"/v1/images/{id}");
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal("image/jpeg", original.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Photo("kite-in-sky.jpg")), await original.Content.ReadAsByteArrayAsync());

        long png = PhotoLibrary.IdOf("cat-chelsea.png");
        Assert.Equal("image/png", (await Client.GetAsync($"/v1/images/{png}")).Content.Headers.ContentType?.MediaType);

        var thumb = await Client.GetAsync($"/v1/images/{id}/thumbnail");
        Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType?.MediaType);
        byte[] jpeg = await thumb.Content.ReadAsByteArrayAsync();
        using (var bitmap = SKBitmap.Decode(jpeg))
        {
            Assert.Equal(256, Math.Max(bitmap.Width, bitmap.Height));
        }

        // Fitted into exactly size × size, as documented.
        foreach (int size in new[] { 16, 100, 300 })
        {
            using var bitmap = SKBitmap.Decode(await Client.GetByteArrayAsync($"/v1/images/{id}/thumbnail?size={size}"));
            Assert.Equal(size, Math.Max(bitmap.Width, bitmap.Height));
        }

        // Cached: the same bytes again, and a conditional request is answered 304.
        Assert.Equal(jpeg, await Client.GetByteArrayAsync($"/v1/images/{id}/thumbnail"));
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/images/{id}/thumbnail");
        conditional.Headers.IfNoneMatch.Add(thumb.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await Client.SendAsync(conditional)).StatusCode);
    }

    [SkippableFact]
    public async Task Thumbnail_EveryTestPhoto_IsServedAtTheAskedSize()
    {
        int count = PhotoLibrary.Labels().Count;
        for (long id = 1; id <= count; id++)
        {
            var response = await Client.GetAsync($"/v1/images/{id}/thumbnail?size=64");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"id {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            using var bitmap = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(64, Math.Max(bitmap.Width, bitmap.Height));
        }
    }

    [SkippableFact]
    public async Task Thumbnail_ExifOrientedPhoto_IsUpright()
    {
        string[] files = ["cat-baseline.jpg", "cat-orientation-6.jpg", "cat-orientation-3.jpg", "cat-orientation-8.jpg"];
        var search = await TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, files.Select(f => new TestIndexFile(TestData.Path("edge", f), FakeClipEmbedder.TextVector(f))));

        await using var server = await RunningServer.StartAsync(search: search);
        using var upright = SKBitmap.Decode(await server.Client.GetByteArrayAsync("/v1/images/1/thumbnail?size=128"));
        Assert.Equal((128, 85), (upright.Width, upright.Height));
        for (int id = 2; id <= 4; id++)
        {
            using var turned = SKBitmap.Decode(await server.Client.GetByteArrayAsync($"/v1/images/{id}/thumbnail?size=128"));
            Assert.Equal((upright.Width, upright.Height), (turned.Width, turned.Height));
            double diff = 0;
            for (int y = 0; y < upright.Height; y += 4)
            {
                for (int x = 0; x < upright.Width; x += 4)
                {
                    SKColor a = upright.GetPixel(x, y), b = turned.GetPixel(x, y);
                    diff += Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue);
                }
            }

            double mean = diff / (3.0 * (upright.Height / 4) * (upright.Width / 4));
            Assert.True(mean < 12, $"{files[id - 1]}: mean difference {mean:0.0} from the upright cat");
        }
    }

    [Fact]
    public async Task WebPage_Requested_IsServedWithAStrictContentSecurityPolicy()
    {
        var page = await Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var script = await Client.GetAsync("/static/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/static/app.css")).StatusCode);
    }

    [Fact]
    public async Task Cors_PreflightFromAnOrigin_IsAllowedOnlyWhenConfigured()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/embeddings/text");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        var response = await Client.SendAsync(request);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        await using var server = await RunningServer.StartAsync(configure: o => o.CorsOrigins = ["https://app.example"]);
        using var allowed = new HttpRequestMessage(HttpMethod.Options, "/v1/embeddings/text");
        allowed.Headers.Add("Origin", "https://app.example");
        allowed.Headers.Add("Access-Control-Request-Method", "POST");
        allowed.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
        var ok = await server.Client.SendAsync(allowed);
        Assert.Equal("https://app.example", ok.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var other = new HttpRequestMessage(HttpMethod.Options, "/v1/embeddings/text");
        other.Headers.Add("Origin", "https://evil.example");
        other.Headers.Add("Access-Control-Request-Method", "POST");
        Assert.False((await server.Client.SendAsync(other)).Headers.Contains("Access-Control-Allow-Origin"));
    }

    internal static float[] Vector(JsonElement item) => item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private sealed class FloatComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
