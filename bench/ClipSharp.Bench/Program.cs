// The C# side of bench/run.sh. Each mode prints one JSON line; run.sh runs each in its own process.
//   image    --model DIR [--variant V] --batch B [--seconds S]    embeddings/s of the vision tower on preprocessed pixels
//   text     --model DIR [--variant V] --texts FILE [--seconds S] embeddings/s of EncodeTexts (tokenizer included)
//   tokens   --model DIR --texts FILE --out F.npy                 the exact token ids, int32 [N,77], for the reference
//   folder   --model DIR [--variant V] --dir D [--fast] [--out F.npy] [--list FILE]   EncodeImageFiles images/s
//   fidelity --model DIR --dir D [--count N]                      fast JPEG decode vs exact: pixel |Δ| and cosine
//   compare  --a F.npy --b F.npy                                  cosine between two embedding matrices
//   search   --data DIR [--hnsw]                                  top-10 over the vectors of `reference.py vectors`
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
        SearchBench.Run(opts["data"], opts.ContainsKey("hnsw"), result);
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
