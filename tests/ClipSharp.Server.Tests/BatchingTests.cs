using System.Net;

namespace ClipSharp.Server.Tests;

/// <summary>Dynamic batching: concurrent requests share inference calls; a full queue answers 503.</summary>
public sealed class BatchingTests
{
    [Fact]
    public async Task Batching_ConcurrentTextRequests_ShareInferenceCalls()
    {
        // Each inference call takes 50 ms, so requests arriving meanwhile pile up and go together into the next.
        var backend = new FakeClipEmbedder { Delay = TimeSpan.FromMilliseconds(50) };
        await using var server = await RunningServer.StartAsync(backend, configure: o => o.Batching.Window = TimeSpan.FromMilliseconds(5));
        const int n = 24;
        var responses = await Task.WhenAll(Enumerable.Range(0, n).Select(i =>
            server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = $"text number {i}" }))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // Every answer is the right one, whatever batch it went in.
        for (int i = 0; i < n; i++)
        {
            var body = await RunningServer.ReadJsonAsync(responses[i]);
            Assert.Equal(FakeClipEmbedder.TextVector($"text number {i}"), EndpointTests.Vector(body.GetProperty("data")[0]));
        }

        var calls = backend.Calls.Where(c => c.Kind == "text").ToArray();
        Assert.Equal(n, calls.Sum(c => c.Count));
        Assert.True(calls.Length < n, $"{calls.Length} inference calls for {n} requests");
        Assert.True(calls.Max(c => c.Count) > 1);
        Assert.True(calls.Max(c => c.Count) <= 32);

        // The metrics say the same.
        Assert.Equal(calls.Length, await server.MetricAsync("clipsharp_inference_batch_size_count{kind=\"text\"}"));
        Assert.Equal(n, await server.MetricAsync("clipsharp_inference_batch_size_sum{kind=\"text\"}"));
        Assert.True(await server.MetricAsync("clipsharp_inference_batch_requests_sum{kind=\"text\"}") == n);
        Assert.Equal(0, await server.MetricAsync("clipsharp_inference_queue_length{kind=\"text\"}"));
    }

    [Fact]
    public async Task Batching_ConcurrentImageRequests_ShareInferenceCalls()
    {
        var backend = new FakeClipEmbedder { Delay = TimeSpan.FromMilliseconds(50) };
        await using var server = await RunningServer.StartAsync(backend);
        byte[] png = TinyPng();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            server.Client.PostAsync("/v1/embeddings/image", RunningServer.Bytes(png, "image/png"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var calls = backend.Calls.Where(c => c.Kind == "image").ToArray();
        Assert.Equal(12, calls.Sum(c => c.Count));
        Assert.True(calls.Length < 12, $"{calls.Length} inference calls for 12 requests");
    }

    [Fact]
    public async Task Batching_Disabled_EachRequestHasItsOwnCall()
    {
        var backend = new FakeClipEmbedder { Delay = TimeSpan.FromMilliseconds(10) };
        await using var server = await RunningServer.StartAsync(backend, configure: o => o.Batching.Enabled = false);
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = $"t{i}" }))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(backend.Calls, c => Assert.Equal(1, c.Count));
        Assert.Equal(10, backend.Calls.Count);
        var ready = await RunningServer.ReadJsonAsync(await server.Client.GetAsync("/readyz"));
        Assert.False(ready.GetProperty("batching").GetBoolean());
    }

    [Fact]
    public async Task Batching_QueueFull_Answers503WithRetryAfter()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new FakeClipEmbedder { Gate = gate };
        await using var server = await RunningServer.StartAsync(backend, configure: o =>
        {
            o.Batching.QueueCapacity = 4;
            o.Batching.MaxBatchSize = 2;
        });

        // Four texts fill the queue (two in the blocked inference call, two waiting).
        var held = Enumerable.Range(0, 4).Select(i => server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = $"held {i}" }))).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.MetricAsync("clipsharp_inference_queue_length{kind=\"text\"}") < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the queue never filled");
            await Task.Delay(20);
        }

        var refused = await server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = "one too many" }));
        await RunningServer.AssertProblemAsync(refused, 503, "overloaded");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(1, await server.MetricAsync("clipsharp_inference_rejected_total{kind=\"text\"}"));

        gate.Set();
        var done = await Task.WhenAll(held);
        Assert.All(done, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/v1/embeddings/text", RunningServer.Json(new { text = "after" }))).StatusCode);
    }

    internal static byte[] TinyPng()
    {
        using var bitmap = new SkiaSharp.SKBitmap(16, 16);
        bitmap.Erase(new SkiaSharp.SKColor(200, 30, 60));
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
