using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ClipSharp.Index;

/// <summary>
/// Top-10 latency, one query at a time, through the photo index's own search code: <c>ExactSearch.TopK</c> (what
/// `clipsharp search` runs below the HNSW threshold and with --exact) and, with --hnsw, the USearch graph path of
/// <c>PhotoIndex</c> (graph candidates re-scored exactly). The vectors and queries are the files written by
/// `reference.py vectors`, so both sides search the same data.
/// </summary>
internal static class SearchBench
{
    private const int K = 10;

    public static void Run(string dataDir, bool hnsw, Dictionary<string, object> result)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "meta.json")));
        int n = meta.RootElement.GetProperty("n").GetInt32();
        int dim = meta.RootElement.GetProperty("dim").GetInt32();
        int queries = meta.RootElement.GetProperty("queries").GetInt32();

        // The snapshot's own matrix is filled straight from the file: no second copy of a 2 GB matrix.
        var snapshot = new VectorSnapshot(0, "bench", dim, n);
        ReadFloats(Path.Combine(dataDir, "db.f32"), snapshot.Matrix);
        for (int i = 0; i < n; i++)
        {
            snapshot.Ids[i] = i + 1;
            snapshot.Paths[i] = i.ToString("D8", CultureInfo.InvariantCulture);
            snapshot.Sha256[i] = snapshot.Paths[i];
        }

        float[] qs = new float[queries * dim];
        ReadFloats(Path.Combine(dataDir, "queries.f32"), qs);

        var exactMs = new List<double>();
        var exactIds = new int[queries][];
        for (int q = 0; q < queries; q++)
        {
            var sw = Stopwatch.StartNew();
            var top = ExactSearch.TopK(snapshot, qs.AsSpan(q * dim, dim), K);
            exactMs.Add(sw.Elapsed.TotalMilliseconds);
            exactIds[q] = top.Select(t => t.Row).ToArray();
        }

        result["exact_ms"] = Median(exactMs);
        result["n"] = n;
        result["queries"] = queries;
        if (!hnsw)
        {
            return;
        }

        var options = new HnswOptions();
        var build = Stopwatch.StartNew();
        using var graph = HnswIndex.Build(snapshot, options);
        result["hnsw_build_s"] = build.Elapsed.TotalSeconds;
        var hnswMs = new List<double>();
        int hits = 0;
        for (int q = 0; q < queries; q++)
        {
            var sw = Stopwatch.StartNew();
            var top = PhotoIndex.SearchHnsw(graph, snapshot, qs.AsSpan(q * dim, dim), K, options.ExpansionSearch, float.NegativeInfinity, null);
            hnswMs.Add(sw.Elapsed.TotalMilliseconds);
            hits += top.Count(t => Array.IndexOf(exactIds[q], t.Row) >= 0);
        }

        result["hnsw_ms"] = Median(hnswMs);
        result["hnsw_recall"] = hits / (double)(K * queries);
        result["hnsw_m"] = options.Connectivity;
        result["hnsw_ef_construction"] = options.ExpansionAdd;
        result["hnsw_ef_search"] = options.ExpansionSearch;
    }

    private static void ReadFloats(string path, float[] into)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (stream.Length != (long)into.Length * sizeof(float))
        {
            throw new InvalidDataException($"{path}: {stream.Length} bytes, expected {(long)into.Length * sizeof(float)}");
        }

        const int Chunk = 1 << 24; // floats per read: spans of bytes must stay under 2 GB
        for (long start = 0; start < into.Length; start += Chunk)
        {
            var bytes = MemoryMarshal.AsBytes(into.AsSpan((int)start, (int)Math.Min(Chunk, into.Length - start)));
            stream.ReadExactly(bytes);
        }
    }

    /// <summary>Median without the first (warm-up) query.</summary>
    private static double Median(List<double> v)
    {
        var rest = v.Skip(1).Order().ToList();
        return rest[rest.Count / 2];
    }
}
