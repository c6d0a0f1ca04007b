using System.Net;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary><c>clipsharp serve</c> as a real process: listens on loopback, loads the model, answers, stops.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task ServeHelp_Requested_ListsTheOptions()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await Cli.CliApp.RunAsync(["serve", "--help"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true));
        Assert.Equal(0, code);
        foreach (string option in new[] { "--index", "--model", "--urls", "--api-key", "--cors", "--no-batching", "--max-request-mb", "--queue-limit", "--max-prompts", "--decode-memory-mb", "--shutdown-timeout" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task ServeCommand_NonPositiveDecodeMemory_IsAUsageErrorNamingTheOption()
    {
        string model = TestData.Path("models", "micro", "openclip");
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int code = await Cli.CliApp.RunAsync(["serve", "--model", model, "--urls", "http://127.0.0.1:0", "--decode-memory-mb", "0"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true), stop.Token);
        Assert.NotEqual(0, code);
        Assert.Contains("--decode-memory-mb must be positive", error.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Serve_IndexThatDoesNotExist_IsAOneLineError()
    {
        string model = TestData.Path("models", "micro", "openclip");
        string missing = Path.Combine(Path.GetTempPath(), "clipsharp-no-index-" + Guid.NewGuid().ToString("N"), "nested");
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int code = await Cli.CliApp.RunAsync(["serve", "--index", "/dev/null/x", "--model", model, "--urls", "http://127.0.0.1:0"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true), stop.Token);
        Assert.NotEqual(0, code);
        Assert.StartsWith("error:", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [SkippableFact]
    public async Task Serve_MicroModelWithApiKeyFromEnvironment_ServesOnLoopbackAndStopsWhenCancelled()
    {
        string model = TestData.Path("models", "micro", "openclip");
        using var output = new SyncWriter();
        using var error = new SyncWriter();
        using var stop = new CancellationTokenSource();
        Environment.SetEnvironmentVariable("CLIPSHARP_API_KEY", "from-env");
        Task<int> run;
        try
        {
            run = Cli.CliApp.RunAsync(["serve", "--model", model, "--urls", "http://127.0.0.1:0"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true), stop.Token);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!output.ToString().Contains("ready\n", StringComparison.Ordinal))
            {
                Assert.False(run.IsCompleted, "serve ended early: " + error);
                Assert.True(DateTime.UtcNow < deadline, "serve did not get ready: " + output + error);
                await Task.Delay(50);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("CLIPSHARP_API_KEY", null);
        }

        string address = output.ToString().Split('\n').Single(l => l.StartsWith("listening on ", StringComparison.Ordinal))["listening on ".Length..].Trim();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        using (var client = new HttpClient { BaseAddress = new Uri(address) })
        {
            var ready = await RunningServer.ReadJsonAsync(await client.GetAsync("/readyz"));
            Assert.Equal("openclip", ready.GetProperty("model").GetString());
            Assert.Equal(32, ready.GetProperty("dimension").GetInt32());
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/metrics")).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Add("X-API-Key", "from-env");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }

        // Ctrl-C / SIGTERM cancel the command's token: the server stops cleanly.
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [SkippableFact]
    public async Task Serve_RealIndex_SearchesWithTheGoldenRankingAndServesThumbnails()
    {
        string model = Golden.ModelDir("openclip");
        string images = TestData.Path("golden", "images");
        string indexDir = Directory.CreateTempSubdirectory("clipsharp-serve-index-").FullName;
        try
        {
            using (var o = new StringWriter())
            using (var e = new StringWriter())
            {
                // --exact: the golden ranking is the reference pipeline's (retina.jpg would be decoded at 1/2 by default).
                int indexed = await Cli.CliApp.RunAsync(["index", images, "--index", indexDir, "--model", model, "--exact"], new Cli.CliConsole(o, e, TextReader.Null, outputRedirected: true));
                Assert.True(indexed == 0, e.ToString());
            }

            using var stop = new CancellationTokenSource();
            var (run, client) = await StartServeAsync(indexDir, stop.Token);
            using var disposeClient = client;
            using var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "search.json")));
            string text = golden.RootElement.GetProperty("texts")[0].GetString()!;
            string[] expected = golden.RootElement.GetProperty("ranking")[0].EnumerateArray().Select(v => v.GetString()!).Take(5).ToArray();
            double[] expectedScores = golden.RootElement.GetProperty("scores")[0].EnumerateArray().Select(v => v.GetDouble()).Take(5).ToArray();

            var found = await RunningServer.ReadJsonAsync(await client.GetAsync("/v1/search?q=" + Uri.EscapeDataString(text) + "&limit=5"));
            var results = found.GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(5, results.Length);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(expectedScores[i], results[i].GetProperty("score").GetDouble(), 1e-4);
            }

            Assert.Equal(expected[0], Path.GetFileName(results[0].GetProperty("path").GetString()));
            long id = results[0].GetProperty("id").GetInt64();
            var thumbnail = await client.GetAsync($"/v1/images/{id}/thumbnail");
            Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
            Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType!.MediaType);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/images/999999999/thumbnail")).StatusCode);

            await stop.CancelAsync();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            Directory.Delete(indexDir, recursive: true);
        }
    }

    [SkippableFact]
    public async Task ServeSearch_ImageQueryAgainstAFastDecodedIndex_IsDecodedExactly()
    {
        // The server has one image decoder, the library's exact one (also behind /v1/embeddings/image and /v1/classify);
        // `clipsharp search`/`similar` instead decode query images the way the index was built.
        string model = Golden.ModelDir("openclip");
        string root = Directory.CreateTempSubdirectory("clipsharp-serve-fast-").FullName;
        try
        {
            string pics = Path.Combine(root, "pics");
            Directory.CreateDirectory(pics);
            string photo = Path.Combine(pics, "forest-stream.jpg"); // 1600x1065: decoded at 1/2 by the index's default
            File.Copy(TestData.Path("photos", "forest-stream.jpg"), photo);
            File.Copy(TestData.Path("photos", "kite-in-sky.jpg"), Path.Combine(pics, "kite-in-sky.jpg"));
            string indexDir = Path.Combine(root, "index");
            using (var o = new StringWriter())
            using (var e = new StringWriter())
            {
                int indexed = await Cli.CliApp.RunAsync(["index", pics, "--index", indexDir, "--model", model], new Cli.CliConsole(o, e, TextReader.Null, outputRedirected: true));
                Assert.True(indexed == 0, e.ToString());
            }

            using var stop = new CancellationTokenSource();
            var (run, client) = await StartServeAsync(indexDir, stop.Token);
            using var disposeClient = client;
            using var body = new StringContent(
                System.Text.Json.JsonSerializer.Serialize(new { image = Convert.ToBase64String(File.ReadAllBytes(photo)), limit = 1 }),
                System.Text.Encoding.UTF8,
                "application/json");
            var found = await RunningServer.ReadJsonAsync(await client.PostAsync("/v1/search", body));
            var hit = Assert.Single(found.GetProperty("results").EnumerateArray());
            Assert.Equal(photo, hit.GetProperty("path").GetString());

            using var clip = ClipModel.Load(model);
            float[] exact = clip.EncodeImage(photo);
            float[] stored = clip.EncodeImageFiles([photo], fastJpegDecode: true).Single().Embedding!;
            float expected = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(exact, stored);
            Assert.True(expected < 0.99999f, $"the two decodes of the photo are too alike to tell apart ({expected})");
            Assert.Equal(expected, hit.GetProperty("score").GetSingle(), 1e-6f);

            await stop.CancelAsync();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Runs <c>clipsharp serve --index DIR</c> (no --model: the index's own) on a free port until "ready".</summary>
    private static async Task<(Task<int> Run, HttpClient Client)> StartServeAsync(string indexDir, CancellationToken stop)
    {
        var output = new SyncWriter();
        var error = new SyncWriter();
        var run = Cli.CliApp.RunAsync(["serve", "--index", indexDir, "--urls", "http://127.0.0.1:0"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true), stop);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!output.ToString().Contains("ready\n", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, "serve ended early: " + error);
            Assert.True(DateTime.UtcNow < deadline, "serve did not get ready: " + output + error);
            await Task.Delay(50);
        }

        string address = output.ToString().Split('\n').Single(l => l.StartsWith("listening on ", StringComparison.Ordinal))["listening on ".Length..].Trim();
        return (run, new HttpClient { BaseAddress = new Uri(address) });
    }

    /// <summary>A StringWriter safe to read while the server writes to it.</summary>
    private sealed class SyncWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public override void Write(char value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}
