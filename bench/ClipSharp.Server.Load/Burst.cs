using System.Globalization;
using System.Net.Http.Headers;
using SkiaSharp;

/// <summary>
/// The burst of issue 12: N <c>POST /v1/classify</c> requests, C at a time, each a large JPEG (default 7000×7000, about
/// 1 MB), against a running server. Prints the status counts and the server's decode-memory metrics; exits 0 only
/// when every answer was 200 or 503 (with Retry-After) and the server still answers /healthz afterwards.
///
///   dotnet run -c Release --project bench/ClipSharp.Server.Load -- burst --url http://127.0.0.1:5080 \
///       [--requests 48] [--concurrency 24] [--side 7000] [--jpeg FILE]
/// </summary>
internal static class Burst
{
    public static async Task<int> RunAsync(string[] args)
    {
        string url = "http://127.0.0.1:5080";
        int requests = 48, concurrency = 24, side = 7000;
        string? jpegPath = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--url": url = args[i + 1]; break;
                case "--requests": requests = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--side": side = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--jpeg": jpegPath = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        byte[] jpeg = MakeJpeg(side);
        if (jpegPath is not null)
        {
            await File.WriteAllBytesAsync(jpegPath, jpeg);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"JPEG {side}x{side} ({side * (long)side / 1e6:0.#} MP), {jpeg.Length / 1e6:0.00} MB; {requests} requests, {concurrency} at a time, to {url}"));
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        int missingRetryAfter = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, token) =>
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(jpeg);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "image", $"burst-{i}.jpg");
            form.Add(new StringContent("dog,cat,car,mountain"), "labels");
            string key;
            try
            {
                using var response = await client.PostAsync("/v1/classify", form, token);
                await response.Content.ReadAsByteArrayAsync(token);
                key = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                if ((int)response.StatusCode == 503 && response.Headers.RetryAfter is null)
                {
                    Interlocked.Increment(ref missingRetryAfter);
                }
            }
            catch (HttpRequestException ex)
            {
                key = "failed: " + ex.Message;
            }

            statuses.AddOrUpdate(key, 1, (_, n) => n + 1);
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"burst took {started.Elapsed.TotalSeconds:0.0} s"));
        foreach (var (status, count) in statuses.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  status {status}: {count}");
        }

        bool alive;
        try
        {
            using var health = await client.GetAsync("/healthz");
            alive = health.IsSuccessStatusCode;
            string metrics = await client.GetStringAsync("/metrics");
            foreach (string line in metrics.Split('\n'))
            {
                if (line.StartsWith("clipsharp_decode_memory", StringComparison.Ordinal) || line.StartsWith("process_resident_memory", StringComparison.Ordinal))
                {
                    Console.WriteLine("  " + line);
                }
            }
        }
        catch (HttpRequestException ex)
        {
            Console.WriteLine("server not answering: " + ex.Message);
            alive = false;
        }

        bool onlyOkOrBusy = statuses.Keys.All(k => k is "200" or "503") && missingRetryAfter == 0;
        Console.WriteLine($"server alive: {alive}; every answer 200 or 503 with Retry-After: {onlyOkOrBusy}");
        return alive && onlyOkOrBusy ? 0 : 1;
    }

    /// <summary>
    /// A deterministic photo-like JPEG of side × side pixels: smooth gradients with soft discs, quality 80, which
    /// compresses to about 1 MB at 7000×7000 (the reproduction's size).
    /// </summary>
    private static byte[] MakeJpeg(int side)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var background = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(side, side), [new SKColor(30, 90, 160), new SKColor(240, 200, 120)], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, side, side, background);
            var random = new Random(12);
            using var disc = new SKPaint { IsAntialias = true };
            for (int i = 0; i < 400; i++)
            {
                disc.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), 160);
                canvas.DrawCircle(random.Next(side), random.Next(side), 20 + random.Next(side / 12), disc);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }
}
