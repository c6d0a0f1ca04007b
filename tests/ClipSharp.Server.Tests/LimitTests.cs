using System.Net;

namespace ClipSharp.Server.Tests;

/// <summary>Bounded work per request: prompts per classification, label, template and text lengths; 400 naming the limit.</summary>
public sealed class LimitTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string s_image = Convert.ToBase64String(BatchingTests.TinyPng());

    private HttpClient Client => fixture.Server.Client;

    [Fact]
    public async Task Classify_Over4096Prompts_IsRefusedNamingTheLimitBeforeInference()
    {
        // The request: 1000 labels × 100 templates = 100,000 prompts.
        string[] labels = [.. Enumerable.Range(0, 1000).Select(i => $"label {i}")];
        string[] templates = [.. Enumerable.Range(0, 100).Select(i => $"a photo {i} of a {{}}")];
        int calls = fixture.Backend.Calls.Count;
        var problem = await RunningServer.AssertProblemAsync(
            await Client.PostAsync("/v1/classify", RunningServer.Json(new { image = s_image, labels, templates })), 400, "limit-exceeded");
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("100000 prompts", detail, StringComparison.Ordinal);
        Assert.Contains("4096", detail, StringComparison.Ordinal);
        Assert.Equal(calls, fixture.Backend.Calls.Count);

        // 51 labels × the 80-template ensemble = 4080 prompts still fits.
        string[] fits = [.. Enumerable.Range(0, 51).Select(i => $"thing {i}")];
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/v1/classify", RunningServer.Json(new { image = s_image, labels = fits, ensemble = "imagenet" }))).StatusCode);
        string[] over = [.. Enumerable.Range(0, 52).Select(i => $"thing {i}")];
        await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify", RunningServer.Json(new { image = s_image, labels = over, ensemble = "imagenet" })), 400, "limit-exceeded");
    }

    [Fact]
    public async Task Classify_LabelOrTemplateTooLong_IsRefusedNamingTheItemWithoutEchoingIt()
    {
        string longLabel = new('l', 1001);
        var label = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "a", longLabel } })), 400, "limit-exceeded");
        Assert.Contains("item 1", label.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("1000", label.GetProperty("detail").GetString(), StringComparison.Ordinal);

        string longTemplate = "{} " + new string('t', 2000);
        var template = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "a" }, templates = new[] { "a {}", longTemplate } })), 400, "limit-exceeded");
        string detail = template.GetProperty("detail").GetString()!;
        Assert.Contains("Template 1", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("tttt", detail, StringComparison.Ordinal);

        var noPlaceholder = await RunningServer.AssertProblemAsync(await Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "a" }, templates = new[] { "a {}", new string('n', 500) } })), 400, "bad-request");
        Assert.DoesNotContain("nnnn", noPlaceholder.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limits_ConfiguredLower_AreEnforced()
    {
        await using var server = await RunningServer.StartAsync(configure: o =>
        {
            o.MaxPromptsPerRequest = 4;
            o.MaxLabelLength = 5;
            o.MaxTemplateLength = 10;
        });
        var prompts = await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "a", "b", "c" }, templates = new[] { "{}", "a {}" } })), 400, "limit-exceeded");
        Assert.Contains("6 prompts", prompts.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "a", "b" }, templates = new[] { "{}", "a {}" } }))).StatusCode);
        await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "sixsix" } })), 400, "limit-exceeded");
        await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/classify",
            RunningServer.Json(new { image = s_image, labels = new[] { "a" }, template = "a photo of {}" })), 400, "limit-exceeded");
    }

    [SkippableFact]
    public async Task SearchGet_10000CjkCharacters_IsAcceptedAndOneMoreIs400()
    {

        // 10,000 characters of CJK: 90,000 bytes once percent-encoded, inside the 128 KiB request line.
        string text = new('猫', 10_000);
        var ok = await Client.GetAsync("/v1/search?limit=1&q=" + Uri.EscapeDataString(text));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        // One more character: the API's own 400, naming the limit, not a bare 414.
        var over = await Client.GetAsync("/v1/search?q=" + Uri.EscapeDataString(text + "猫"));
        var problem = await RunningServer.AssertProblemAsync(over, 400, "limit-exceeded");
        Assert.Contains("10000 characters", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UrlOver128KiB_Is414PointingToPost()
    {
        var response = await Client.GetAsync("/v1/search?q=" + new string('a', 130 * 1024));
        var problem = await RunningServer.AssertProblemAsync(response, 414, "uri-too-long");
        Assert.Contains("POST", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BodyOverTheLimitAtAnyAddress_Is413AndClosesTheConnection()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o.MaxRequestBytes = 64 * 1024);
        int answered = 0;
        foreach (string address in new[] { "/v1/embeddings/text", "/no/such/page", "/healthz" })
        {
            // Content type and address would each be refused for other reasons; the size is refused first.
            using var request = new HttpRequestMessage(HttpMethod.Post, address) { Content = RunningServer.Bytes(new byte[80 * 1024], "text/plain") };
            HttpResponseMessage response;
            try
            {
                response = await server.Client.SendAsync(request);
            }
            catch (HttpRequestException)
            {
                // Answered and closed while the client was still sending: also a refusal (HTTP allows it).
                continue;
            }

            await RunningServer.AssertProblemAsync(response, 413, "request-too-large");
            Assert.True(response.Headers.ConnectionClose, address + ": the connection should be announced as closing");
            answered++;
        }

        Assert.True(answered > 0, "no answer was read: the loopback socket should hold an 80 KiB body");

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
    }
}
