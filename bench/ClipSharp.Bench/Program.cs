// The C# side of bench/run.sh. Each mode prints one JSON line; run.sh runs each in its own process.
//   image    --model DIR [--variant V] --batch B [--seconds S]    embeddings/s of the vision tower on preprocessed pixels
//   text     --model DIR [--variant V] --texts FILE [--seconds S] embeddings/s of EncodeTexts (tokenizer included)
//   tokens   --model DIR --texts FILE --out F.npy                 the exact token ids, int32 [N,77], for the reference
//   folder   --model DIR [--variant V] --dir D [--fast] [--out F.npy] [--list FILE]   EncodeImageFiles images/s
//   fidelity --model DIR --dir D [--count N]                      fast JPEG decode vs exact: pixel |Δ| and cosine
//   preprocess --dir D [--count N] [--repeat R] [--fast] [--size S] decode + preprocess ms per photo, one thread; the
//                                                                 preprocess / decode ratio and bytes one preprocess allocates
//   compare  --a F.npy --b F.npy                                  cosine between two embedding matrices
//   search   --data DIR [--hnsw] [--vectors float16]              top-10 over the vectors of `reference.py vectors`
//   matmul   --onnx FILE                                          fp32 MatMul peak through ONNX Runtime
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using ClipSharp;
using ClipSharp.Imaging;
using ClipSharp.IO;
using Microsoft.ML.OnnxRuntime;

var opts = ParseArgs(args);
string mode = args.Length > 0 ? args[0] : "help";
var result = new Dictionary<string, object> { ["mode"] = mode };
switch (mode)
{
    case "image":
    {
        var sw = Stopwatch.StartNew();
        using var model = ClipModel.Load(opts["model"], ModelOptions(opts));
        model.Warm();
        result["load_s"] = sw.Elapsed.TotalSeconds;
        int batch = int.Parse(opts["batch"], CultureInfo.InvariantCulture);
        int per = 3 * model.ImageSize * model.ImageSize;
        float[] pixels = new float[batch * per];
        var rng = new Random(1);
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        float[] emb = new float[batch * model.EmbeddingDimension];
        (result["per_s"], result["runs"]) = Rate(() => model.EncodePixels(pixels, batch, emb), batch, Seconds(opts));
        result["batch"] = batch;
        break;
    }

    case "text":
    {
        using var model = ClipModel.Load(opts["model"], ModelOptions(opts));
        model.Warm();
        string[] texts = File.ReadAllLines(opts["texts"]).Where(l => l.Length > 0).ToArray();
        (result["per_s"], result["runs"]) = Rate(() => model.EncodeTexts(texts), texts.Length, Seconds(opts));
        result["batch"] = texts.Length;
        break;
    }

    case "tokens":
    {
        using var model = ClipModel.Load(opts["model"]);
        string[] texts = File.ReadAllLines(opts["texts"]).Where(l => l.Length > 0).ToArray();
        int ctx = model.Tokenizer.ContextLength;
        long[] ids = new long[texts.Length * ctx];
        for (int i = 0; i < texts.Length; i++)
        {
            model.Tokenizer.Tokenize(texts[i], ids.AsSpan(i * ctx, ctx), out _, out _);
        }

        using (var fs = File.Create(opts["out"]))
        {
            Npy.Write(fs, Array.ConvertAll(ids, v => (int)v), [texts.Length, ctx]);
        }
        result["texts"] = texts.Length;
        break;
    }

    case "folder":
    {
        var sw = Stopwatch.StartNew();
        using var model = ClipModel.Load(opts["model"], ModelOptions(opts));
        model.Warm();
        result["load_s"] = sw.Elapsed.TotalSeconds;
        string[] files = Files(opts);
        sw.Restart();
        int n = 0, failed = 0;
        int dim = model.EmbeddingDimension;
        float[] all = new float[files.Length * dim];
        foreach (var r in model.EncodeImageFiles(files))
        {
            if (r.Embedding is null)
            {
                failed++;
            }
            else
            {
                r.Embedding.CopyTo(all.AsSpan(n * dim, dim));
            }

            n++;
        }

        double secs = sw.Elapsed.TotalSeconds;
        result["images"] = n;
        result["failed"] = failed;
        result["seconds"] = secs;
        result["per_s"] = n / secs;
        if (opts.TryGetValue("out", out string? outPath))
        {
            Npy.Write(outPath, all, [files.Length, dim]);
        }

        break;
    }

    case "fidelity":
    {
        using var model = ClipModel.Load(opts["model"]);
        string[] files = Files(opts);
        int count = opts.TryGetValue("count", out string? c) ? Math.Min(files.Length, int.Parse(c, CultureInfo.InvariantCulture)) : files.Length;
        var exactOptions = new ImageDecodeOptions();
        var fastOptions = new ImageDecodeOptions { JpegScaledDecodeMinSide = 2 * model.ImageSize };
        var cfg = model.Preprocessor.Config;
        int s = model.ImageSize, plane = s * s;
        var deltas = new List<double>();
        var cosines = new List<double>();
        double exactDecode = 0, fastDecode = 0;
        int scaled = 0;
        for (int i = 0; i < count; i++)
        {
            var sw = Stopwatch.StartNew();
            var exactImage = ImageDecoder.Decode(files[i], exactOptions);
            float[] a = model.Preprocessor.Preprocess(exactImage);
            exactDecode += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var fastImage = ImageDecoder.Decode(files[i], fastOptions);
            float[] b = model.Preprocessor.Preprocess(fastImage);
            fastDecode += sw.Elapsed.TotalSeconds;
            scaled += fastImage.Width != exactImage.Width ? 1 : 0;
            for (int k = 0; k < a.Length; k++)
            {
                // back to 8-bit pixel units: Δ = |Δnormalised| · std · 255
                deltas.Add(Math.Round(Math.Abs(a[k] - b[k]) * cfg.Std[k / plane] * 255.0));
            }

            float[] ea = new float[model.EmbeddingDimension], eb = new float[model.EmbeddingDimension];
            model.EncodePixels(a, 1, ea);
            model.EncodePixels(b, 1, eb);
            cosines.Add(TensorPrimitives.CosineSimilarity(ea, eb));
        }

        deltas.Sort();
        cosines.Sort();
        result["images"] = count;
        result["scaled"] = scaled;
        result["pixel_mean_abs"] = deltas.Average();
        result["pixel_p50"] = deltas[deltas.Count / 2];
        result["pixel_p99"] = deltas[(int)(deltas.Count * 0.99)];
        result["pixel_max"] = deltas[^1];
        result["cos_min"] = cosines[0];
        result["cos_mean"] = cosines.Average();
        result["decode_preprocess_ms_exact"] = exactDecode / count * 1e3;
        result["decode_preprocess_ms_fast"] = fastDecode / count * 1e3;
        break;
    }

    case "preprocess":
    {
        // One thread, files read into memory first (no disk I/O timed). Per photo the median of R runs of decode and
        // of preprocess (OpenAI's config at --size, default 224), then the mean over photos.
        string[] files = Files(opts);
        int count = opts.TryGetValue("count", out string? c) ? Math.Min(files.Length, int.Parse(c, CultureInfo.InvariantCulture)) : files.Length;
        int repeat = opts.TryGetValue("repeat", out string? r) ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        int size = opts.TryGetValue("size", out string? sz) ? int.Parse(sz, CultureInfo.InvariantCulture) : 224;
        var pre = ImagePreprocessor.Create(PreprocessConfig.Create(size, ResizeMode.Shortest, ResizeFilter.Bicubic, PreprocessConfig.OpenAI.Mean, PreprocessConfig.OpenAI.Std));
        var decodeOptions = new ImageDecodeOptions { JpegScaledDecodeMinSide = opts.ContainsKey("fast") ? 2 * size : 0 };
        float[] dst = new float[3 * size * size];
        result["loadavg_before"] = LoadAverage();
        double decodeSum = 0, preSum = 0, mp = 0;
        long allocatedMax = 0;
        double[] dt = new double[repeat], pt = new double[repeat];
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            byte[] data = File.ReadAllBytes(files[i]);
            ClipImage image = ImageDecoder.Decode(data, files[i], decodeOptions); // warm-up
            pre.Preprocess(image, dst);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            pre.Preprocess(image, dst);
            allocatedMax = Math.Max(allocatedMax, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            mp += (double)image.Width * image.Height / 1e6;
            for (int k = 0; k < repeat; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                image = ImageDecoder.Decode(data, files[i], decodeOptions);
                long t1 = Stopwatch.GetTimestamp();
                pre.Preprocess(image, dst);
                long t2 = Stopwatch.GetTimestamp();
                dt[k] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                pt[k] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            }

            Array.Sort(dt);
            Array.Sort(pt);
            decodeSum += dt[repeat / 2];
            preSum += pt[repeat / 2];
        }

        process.Refresh();
        result["images"] = count;
        result["repeat"] = repeat;
        result["fast"] = opts.ContainsKey("fast");
        result["mean_mp"] = mp / count;
        result["decode_ms"] = decodeSum / count;
        result["preprocess_ms"] = preSum / count;
        result["total_ms"] = (decodeSum + preSum) / count;
        // Both sides in one process and one run, so the ratio holds on a busy machine where the absolute times do not.
        result["preprocess_per_decode"] = preSum / decodeSum;
        result["preprocess_allocated_bytes_max"] = allocatedMax;
        result["cpu_ms_per_photo_run"] = (process.TotalProcessorTime - cpuStart).TotalMilliseconds / (count * (repeat + 1));
        result["wall_s"] = wall.Elapsed.TotalSeconds;
        result["loadavg_after"] = LoadAverage();
        break;
    }

    case "load":
    {
        // Phases of a cold start: folder + tokenizer, each tower's session alone, then both concurrently (Warm).
        var sw = Stopwatch.StartNew();
        using (var m1 = ClipModel.Load(opts["model"]))
        {
            result["folder_tokenizer_s"] = sw.Elapsed.TotalSeconds;
            sw.Restart();
            m1.DescribeVisionTower();
            result["vision_session_s"] = sw.Elapsed.TotalSeconds;
            sw.Restart();
            m1.DescribeTextTower();
            result["text_session_s"] = sw.Elapsed.TotalSeconds;
        }

        using var m2 = ClipModel.Load(opts["model"]);
        sw.Restart();
        m2.Warm();
        result["warm_both_s"] = sw.Elapsed.TotalSeconds;
        break;
    }

    case "compare":
    {
        (float[] a, int[] sa) = Npy.ReadFloat32(opts["a"]);
        (float[] b, _) = Npy.ReadFloat32(opts["b"]);
        int dim = sa[1];
        var cos = new List<double>();
        for (int i = 0; i < sa[0]; i++)
        {
            cos.Add(TensorPrimitives.CosineSimilarity(a.AsSpan(i * dim, dim), b.AsSpan(i * dim, dim)));
        }

        result["cos_min"] = cos.Min();
        result["cos_mean"] = cos.Average();
        result["n"] = cos.Count;
        break;
    }

    case "search":
        SearchBench.Run(opts["data"], opts.ContainsKey("hnsw"),
            opts.TryGetValue("vectors", out string? vectors) && vectors == "float16" ? ClipSharp.Index.VectorPrecision.Float16 : ClipSharp.Index.VectorPrecision.Float32, result);
        break;

    case "matmul":
    {
        using var so = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(opts["onnx"], so);
        int n = 2048;
        float[] x = new float[n * n], y = new float[n * n];
        var rng = new Random(3);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
            y[i] = (float)rng.NextDouble();
        }

        using var a = OrtValue.CreateTensorValueFromMemory(x, [n, n]);
        using var b = OrtValue.CreateTensorValueFromMemory(y, [n, n]);
        using var ro = new RunOptions();
        var times = new List<double>();
        for (int i = 0; i < 8; i++)
        {
            var sw = Stopwatch.StartNew();
            using var r = session.Run(ro, ["A", "B"], [a, b], ["C"]);
            times.Add(sw.Elapsed.TotalSeconds);
        }

        times.RemoveAt(0);
        times.Sort();
        result["gflops_median"] = 2.0 * n * n * n / times[times.Count / 2] / 1e9;
        result["gflops_best"] = 2.0 * n * n * n / times[0] / 1e9;
        break;
    }

    default:
        Console.Error.WriteLine("modes: image text tokens folder fidelity compare search matmul (see Program.cs)");
        return 2;
}

Console.WriteLine(JsonSerializer.Serialize(result));
return 0;

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>();
    for (int i = 1; i < args.Length; i++)
    {
        if (args[i].StartsWith("--", StringComparison.Ordinal))
        {
            string key = args[i][2..];
            d[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
    }

    return d;
}

static ClipModelOptions ModelOptions(Dictionary<string, string> o) => new()
{
    Variant = o.TryGetValue("variant", out string? v) && v != "fp32" ? v : null,
    FastJpegDecode = o.ContainsKey("fast"),
    MaxBatchSize = o.TryGetValue("batch-size", out string? b) ? int.Parse(b, CultureInfo.InvariantCulture) : 32,
    IntraOpThreads = o.TryGetValue("threads", out string? t) ? int.Parse(t, CultureInfo.InvariantCulture) : 0,
};

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";

static double Seconds(Dictionary<string, string> o) => o.TryGetValue("seconds", out string? s) ? double.Parse(s, CultureInfo.InvariantCulture) : 20;

static string[] Files(Dictionary<string, string> o)
    => o.TryGetValue("list", out string? list)
        ? File.ReadAllLines(list).Where(l => l.Length > 0).ToArray()
        : Directory.GetFiles(o["dir"], "*.jpg").Order(StringComparer.Ordinal).ToArray();

static (double PerSecond, int Runs) Rate(Action run, int items, double seconds)
{
    run();
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    while (times.Count < 3 || total.Elapsed.TotalSeconds < seconds)
    {
        var sw = Stopwatch.StartNew();
        run();
        times.Add(sw.Elapsed.TotalSeconds);
    }

    times.Sort();
    return (items / times[times.Count / 2], times.Count);
}
