using System.Net;
using System.Net.Http.Headers;
using ClipSharp.Imaging;
using ClipSharp.Tests;
using SkiaSharp;

namespace ClipSharp.Server.Tests;

/// <summary>The decode memory budget in the server: bursts stay within it, and a spent budget answers 503, an oversize image 413.</summary>
public sealed class DecodeMemoryTests
{
    private static byte[] Png(int side, int seed)
    {
        using var bitmap = new SKBitmap(side, side);
        var random = new Random(seed);
        bitmap.Erase(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static MultipartFormDataContent ClassifyForm(byte[] image, string name)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", name);
        form.Add(new StringContent("dog,cat,car"), "labels");
        return form;
    }

    [Fact]
    public async Task ClassifyBurst_SmallDecodeBudget_AnswersOnly200Or503AndNeverDecodesMoreThanTheBudget()
    {
        byte[] image = Png(600, 1);
        var backend = new FakeClipEmbedder();
        long one = backend.EstimateDecodeBytes(image, null, long.MaxValue);
        backend.DecodeMemory = new DecodeMemoryBudget((2 * one) + (one / 2), maxWaiting: 4);
        await using var server = await RunningServer.StartAsync(backend);

        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForAsync(0, 48, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, token) =>
        {
            using var form = ClassifyForm(image, $"burst-{i}.png");
            using var response = await server.Client.PostAsync("/v1/classify", form, token);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var problem = await RunningServer.AssertProblemAsync(response, 503, "overloaded");
                Assert.Contains("decode memory budget", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.NotNull(response.Headers.RetryAfter);
            }

            statuses.Add(response.StatusCode);
        });

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"status {s}"));
        Assert.Contains(HttpStatusCode.OK, statuses);

        // Two of these images fit at once: counted by the backend itself while it decoded, and by the budget.
        Assert.InRange(backend.PeakDecodingBytes, one, backend.DecodeMemory.CapacityBytes);
        Assert.InRange(backend.DecodeMemory.PeakBytesInUse, one, backend.DecodeMemory.CapacityBytes);
        Assert.Equal(0, backend.DecodeMemory.BytesInUse);
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.ServiceUnavailable), backend.DecodeMemory.QueueFullRejections + backend.DecodeMemory.TimedOutRejections);

        // Still alive and serving.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
        using var after = ClassifyForm(image, "after.png");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/v1/classify", after)).StatusCode);
    }

    [Fact]
    public async Task Classify_DecodeBudgetQueueFull_Is503WithRetryAfterAndCounted()
    {
        byte[] image = Png(64, 2);
        var backend = new FakeClipEmbedder { DecodeMemory = new DecodeMemoryBudget(1024 * 1024, maxWaiting: 0) };
        await using var server = await RunningServer.StartAsync(backend);
        using (backend.DecodeMemory.Reserve(1024 * 1024, "held by the test"))
        {
            using var form = ClassifyForm(image, "queued.png");
            using var response = await server.Client.PostAsync("/v1/classify", form);

            var problem = await RunningServer.AssertProblemAsync(response, 503, "overloaded");
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            Assert.Contains("image (queued.png)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        string metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("clipsharp_decode_memory_rejected_total{reason=\"queue-full\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("clipsharp_decode_memory_budget_bytes 1048576\n", metrics, StringComparison.Ordinal);
        Assert.Contains("clipsharp_decode_memory_in_use_bytes 0\n", metrics, StringComparison.Ordinal);
        using var again = ClassifyForm(image, "again.png");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/v1/classify", again)).StatusCode);
    }

    [Fact]
    public async Task Classify_DecodeBudgetSpentLongerThanItsWait_Is503AndCounted()
    {
        byte[] image = Png(64, 3);
        var backend = new FakeClipEmbedder { DecodeMemory = new DecodeMemoryBudget(1024 * 1024) };
        await using var server = await RunningServer.StartAsync(backend, configure: o => o.RequestTimeout = TimeSpan.FromSeconds(1.5));
        using (backend.DecodeMemory.Reserve(1024 * 1024, "held by the test"))
        {
            using var form = ClassifyForm(image, "waits.png");
            using var response = await server.Client.PostAsync("/v1/classify", form);

            var problem = await RunningServer.AssertProblemAsync(response, 503, "overloaded");
            Assert.Contains("waited 0.5 s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        Assert.Equal(1, backend.DecodeMemory.TimedOutRejections);
        Assert.Contains("clipsharp_decode_memory_waits_total 1\n", await server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Classify_ImageOverTheWholeDecodeBudget_Is413NamingTheLimit()
    {
        byte[] image = Png(600, 4);
        var backend = new FakeClipEmbedder { DecodeMemory = new DecodeMemoryBudget(1024 * 1024) };
        await using var server = await RunningServer.StartAsync(backend);
        using var form = ClassifyForm(image, "big.png");

        var problem = await RunningServer.AssertProblemAsync(await server.Client.PostAsync("/v1/classify", form), 413, "image-too-large");

        Assert.Contains("decode memory budget of 1 MiB", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("big.png", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("clipsharp_decode_memory_rejected_total{reason=\"too-large\"} 1\n", await server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClassifyBurst_RealModelWithRoomForOneDecode_AnswersOnly200Or503WithinTheBudget()
    {
        string folder = Golden.ModelDir("openclip");
        byte[] image = Png(1200, 5);
        using var probe = ClipModel.Load(folder);
        long one = probe.EstimateImageMemory(image);
        var budget = new DecodeMemoryBudget(one, maxWaiting: 3);
        await using var server = await RunningServer.StartAsync(backendFactory: _ => Task.FromResult<IClipEmbedder>(
            new ClipModelEmbedder(ClipModel.Load(folder, new ClipModelOptions { DecodeMemory = budget }), fastJpegDecode: false, ownsModel: true)));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var form = ClassifyForm(image, $"real-{i}.png");
            using var response = await server.Client.PostAsync("/v1/classify", form);
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"status {s}"));
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Equal(one, budget.PeakBytesInUse);
        Assert.Equal(0, budget.BytesInUse);
    }
}
