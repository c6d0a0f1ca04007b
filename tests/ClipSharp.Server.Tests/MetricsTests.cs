using System.Net;
using System.Text;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>/metrics stays bounded whatever clients send: labels come from closed sets, and only after the API key.</summary>
public sealed class MetricsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Key = "metrics-key";

    [Fact]
    public async Task Metrics_1000KeylessRandomRequests_KeepTheSeriesCount()
    {
        await using var server = await RunningServer.StartAsync(search: await TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, []), configure: o => o.ApiKey = Key);

        // Public endpoints answer without the key by design; touch each once so their series exist.
        foreach (string path in new[] { "/healthz", "/readyz", "/", "/index.html", "/static/app.js", "/static/nothing.js" })
        {
            await server.Client.GetAsync(path);
            await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        }

        await SeriesAsync(server); // the first read of /metrics creates its own series
        int before = await SeriesAsync(server);
        var random = new Random(20240514);
        string[] methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "M" + new string('X', 4000)];
        string[] prefixes = ["/", "/v1/", "/v1/images/", "/v1/images/1/", "/static/", "/openapi/", "/metrics/", "/HEALTHZ/", "/healthz/x/"];
        for (int i = 0; i < 1000; i++)
        {
            string method = random.Next(4) == 0 ? RandomToken(random, 1 + random.Next(60)) : methods[random.Next(methods.Length)];
            string path = prefixes[random.Next(prefixes.Length)] + RandomToken(random, random.Next(40));
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is not ("GET" or "HEAD" or "OPTIONS" or "TRACE") && random.Next(2) == 0)
            {
                request.Content = new StringContent("{\"text\":\"x\"}", Encoding.UTF8, "application/json");
            }

            var response = await server.Client.SendAsync(request);
            Assert.True((int)response.StatusCode is 200 or 204 or 401 or 404 or 405, $"{method} {path}: {(int)response.StatusCode}");
        }

        int after = await SeriesAsync(server);
        output.WriteLine($"{before} series before 1000 keyless requests, {after} after");
        Assert.True(before == after, $"{before} series before, {after} after:\n{await TextAsync(server)}");
        using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        metrics.Headers.Add("X-API-Key", Key);
        string text = await (await server.Client.SendAsync(metrics)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("PROPFIND", text, StringComparison.Ordinal);
        Assert.DoesNotContain("XXXX", text, StringComparison.Ordinal);
        Assert.True(await UnauthorizedAsync(text) > 500);
    }

    [Fact]
    public async Task Metrics_UnknownMethodOrStatus_CountsAsOtherAndByStatusClass()
    {
        await using var server = await RunningServer.StartAsync();
        await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod("M1709628476"), "/healthz"));
        await server.Client.GetAsync("/no/such/page");
        string text = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("clipsharp_http_requests_total{method=\"other\",route=\"unmatched\",status=\"4xx\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("clipsharp_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"4xx\"} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("M1709628476", text, StringComparison.Ordinal);
        Assert.DoesNotContain("status=\"404\"", text, StringComparison.Ordinal);
    }

    private static async Task<string> TextAsync(RunningServer server)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-API-Key", Key);
        return await (await server.Client.SendAsync(request)).Content.ReadAsStringAsync();
    }

    /// <summary>The number of samples (lines that are not comments) in /metrics, read with the key.</summary>
    private static async Task<int> SeriesAsync(RunningServer server)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-API-Key", Key);
        var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        return text.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));
    }

    private static Task<double> UnauthorizedAsync(string text)
    {
        string line = text.Split('\n').Single(l => l.StartsWith("clipsharp_http_unauthorized_total ", StringComparison.Ordinal));
        return Task.FromResult(double.Parse(line["clipsharp_http_unauthorized_total ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string RandomToken(Random random, int length)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
        var sb = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            sb.Append(chars[random.Next(chars.Length)]);
        }

        return sb.ToString();
    }
}
