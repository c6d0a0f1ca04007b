// Load test of `clipsharp serve`'s engine: N concurrent clients for D seconds of mixed text-embedding,
// classification and search requests against a real Kestrel server on 127.0.0.1 with a real model, once with
// dynamic batching and once without, in the same run. Prints errors, p50/p99 latency, requests/s, the mean
// inference batch size and the server process's peak memory.
//
//   dotnet run -c Release --project bench/ClipSharp.Server.Load -- --model ../shared/testdata/models/micro/openclip \
//       [--photos ../shared/testdata/photos] [--clients 16] [--seconds 60]
//
// `burst` mode (Burst.cs) fires issue 12's burst of large JPEGs at a running server instead (bench/server-burst.sh).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ClipSharp;
using ClipSharp.Index;
using ClipSharp.Server;

if (args.Length > 0 && args[0] == "burst")
{
    return await Burst.RunAsync(args[1..]);
}

var settings = Settings.Parse(args);
Console.WriteLine($"model {settings.Model}, photos {settings.Photos}, {settings.Clients} clients, {settings.Seconds} s per mode");

var photoFiles = Directory.GetFiles(settings.Photos).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray();
var photoBytes = photoFiles.Select(File.ReadAllBytes).ToArray();
string[] captions = ["a dog running on grass", "a cat on a sofa", "a red motorcycle", "a mountain at sunset", "a cup of coffee", "a rocket launch", "boats on a lake", "a portrait of a woman", "a tiger", "flowers in a field"];
string[] labels = ["dog", "cat", "bird", "car", "mountain", "flower", "boat", "person"];

// Embed the photos once into an embedded index in a temporary folder (each mode's server opens and disposes it).
string indexFolder = Directory.CreateTempSubdirectory("clipsharp-load-").FullName;
using var indexModel = ClipModel.Load(settings.Model);
await using (var index = PhotoIndex.Open(indexFolder))
{
    var meta = new IndexMetadata("load-bench", "load-bench", indexModel.EmbeddingDimension);
    await index.Store.SetMetadataAsync(meta);
    var batch = new IndexBatch();
    foreach (var result in indexModel.EncodeImageFiles(photoFiles))
    {
        if (result.Embedding is { } vector)
        {
            var info = new FileInfo(result.Path);
            batch.Upserts.Add(new IndexedFile
            {
                Path = result.Path,
                Size = info.Length,
                ModifiedUtc = info.LastWriteTimeUtc,
                Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(result.Path))),
                VectorKey = meta.VectorKey,
                Embedding = vector,
            });
        }
    }

    await index.Store.CommitAsync(batch);
    Console.WriteLine($"indexed {batch.Upserts.Count} photos");
}

var report = new List<ModeResult>();
foreach (bool batching in new[] { true, false })
{
    report.Add(await RunModeAsync(batching));
}

Console.WriteLine();
Console.WriteLine("| batching | requests | errors | req/s | p50 ms | p99 ms | mean text batch | mean image batch | peak RSS MiB |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var r in report)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {(r.Batching ? "on" : "off")} | {r.Requests} | {r.Errors} | {r.RequestsPerSecond:0.0} | {r.P50:0.0} | {r.P99:0.0} | {r.MeanTextBatch:0.00} | {r.MeanImageBatch:0.00} | {r.PeakRssMiB:0} |"));
}

foreach (var r in report)
{
    foreach (var (op, (p50, p99, n)) in r.PerOperation)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  batching {(r.Batching ? "on " : "off")} {op,-9} n={n,6} p50 {p50,7:0.0} ms  p99 {p99,7:0.0} ms"));
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"speed-up with batching: {report[0].RequestsPerSecond / report[1].RequestsPerSecond:0.00}x"));
return report.Sum(r => r.Errors) == 0 ? 0 : 1;

async Task<ModeResult> RunModeAsync(bool batching)
{
    var options = new ClipServerOptions { Urls = ["http://127.0.0.1:0"] };
    options.Batching.Enabled = batching;
    await using var server = ClipServer.Create(options, _ => Task.FromResult<IClipEmbedder>(new ClipModelEmbedder(ClipModel.Load(settings.Model), fastJpegDecode: false, ownsModel: true)), _ => Task.FromResult<IPhotoIndex?>(PhotoIndex.Open(indexFolder)));
    await server.StartAsync();
    await server.Ready;
    using var client = new HttpClient { BaseAddress = new Uri(server.Addresses[0]), Timeout = TimeSpan.FromSeconds(60) };

    // Warm-up: a few of each request.
    for (int i = 0; i < 8; i++)
    {
        await SendAsync(client, i % 3, new Random(i));
    }

    long peakRss = 0;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            using var p = Process.GetCurrentProcess();
            peakRss = Math.Max(peakRss, p.WorkingSet64);
            await Task.Delay(250);
        }
    });

    var latencies = new List<(int Op, double Ms, bool Ok)>[settings.Clients];
    var stopAt = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(async c =>
    {
        var random = new Random(1000 + c);
        var mine = latencies[c] = [];
        int n = 0;
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            int op = (c + n++) % 3;
            long t0 = Stopwatch.GetTimestamp();
            bool ok = await SendAsync(client, op, random);
            mine.Add((op, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, ok));
        }
    }));
    double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    await sampling.CancelAsync();
    await sampler;

    string metrics = await client.GetStringAsync("/metrics");
    var all = latencies.SelectMany(l => l).ToList();
    var sorted = all.Select(l => l.Ms).Order().ToArray();
    string[] names = ["text", "classify", "search"];
    var perOp = new Dictionary<string, (double, double, int)>();
    for (int op = 0; op < 3; op++)
    {
        var s = all.Where(l => l.Op == op).Select(l => l.Ms).Order().ToArray();
        perOp[names[op]] = (Percentile(s, 0.50), Percentile(s, 0.99), s.Length);
    }

    var result = new ModeResult(batching, all.Count, all.Count(l => !l.Ok), all.Count / elapsed, Percentile(sorted, 0.50), Percentile(sorted, 0.99),
        MeanBatch(metrics, "text"), MeanBatch(metrics, "image"), peakRss / (1024.0 * 1024), perOp);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batching {(batching ? "on" : "off")}: {result.Requests} requests, {result.Errors} errors, {result.RequestsPerSecond:0.0} req/s"));
    return result;
}

async Task<bool> SendAsync(HttpClient client, int op, Random random)
{
    try
    {
        HttpResponseMessage response = op switch
        {
            0 => await client.PostAsJsonAsync("/v1/embeddings/text", new { text = captions[random.Next(captions.Length)] }),
            1 => await ClassifyAsync(client, random),
            _ => await client.GetAsync("/v1/search?limit=10&q=" + Uri.EscapeDataString(captions[random.Next(captions.Length)])),
        };
        using (response)
        {
            await response.Content.ReadAsByteArrayAsync();
            return response.IsSuccessStatusCode;
        }
    }
    catch (HttpRequestException)
    {
        return false;
    }
    catch (TaskCanceledException)
    {
        return false;
    }
}

async Task<HttpResponseMessage> ClassifyAsync(HttpClient client, Random random)
{
    using var form = new MultipartFormDataContent();
    var image = new ByteArrayContent(photoBytes[random.Next(photoBytes.Length)]);
    image.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
    form.Add(image, "image", "photo");
    form.Add(new StringContent(string.Join(',', labels)), "labels");
    return await client.PostAsync("/v1/classify", form);
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static double MeanBatch(string metrics, string kind)
{
    double sum = 0, count = 0;
    foreach (string line in metrics.Split('\n'))
    {
        if (line.StartsWith($"clipsharp_inference_batch_size_sum{{kind=\"{kind}\"}} ", StringComparison.Ordinal))
        {
            sum = double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        }
        else if (line.StartsWith($"clipsharp_inference_batch_size_count{{kind=\"{kind}\"}} ", StringComparison.Ordinal))
        {
            count = double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        }
    }

    return count == 0 ? 0 : sum / count;
}

internal sealed record ModeResult(bool Batching, int Requests, int Errors, double RequestsPerSecond, double P50, double P99, double MeanTextBatch, double MeanImageBatch, double PeakRssMiB,
    Dictionary<string, (double P50, double P99, int N)> PerOperation);

internal sealed record Settings(string Model, string Photos, int Clients, double Seconds)
{
    public static Settings Parse(string[] args)
    {
        string testdata = Environment.GetEnvironmentVariable("CLIPSHARP_TESTDATA") ?? Path.Combine("..", "shared", "testdata");
        string model = Path.Combine(testdata, "models", "micro", "openclip");
        string photos = Path.Combine(testdata, "photos");
        int clients = 16;
        double seconds = 60;
        for (int i = 0; i < args.Length - 1; i += 2)
        {
            switch (args[i])
            {
                case "--model": model = args[i + 1]; break;
                case "--photos": photos = args[i + 1]; break;
                case "--clients": clients = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException("unknown option " + args[i]);
            }
        }

        return new Settings(model, photos, clients, seconds);
    }
}
