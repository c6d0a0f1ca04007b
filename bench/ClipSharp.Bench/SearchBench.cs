using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ClipSharp.Index;

/// <summary>
/// Top-10 latency, one query at a time, through the photo index's own search code: <c>ExactSearch.TopK</c> (what
/// `clipsharp search` runs below the HNSW threshold and with --exact) and, with --hnsw, the USearch graph path of
/// <c>PhotoIndex</c> (graph candidates re-scored exactly). The vectors and queries are the files written by
/// `reference.py vectors`, so both sides search the same data. With --vectors float16 the snapshot holds the vectors
/// as an index with <c>--vectors float16</c> does, and recall@10 is measured against the float32 exact top-10
/// (computed by streaming the file, so the float32 matrix never counts towards the peak memory).
/// </summary>
internal static class SearchBench
{
    private const int K = 10;

    public static void Run(string dataDir, bool hnsw, VectorPrecision precision, Dictionary<string, object> result)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "meta.json")));
        int n = meta.RootElement.GetProperty("n").GetInt32();
        int dim = meta.RootElement.GetProperty("dim").GetInt32();
        int queries = meta.RootElement.GetProperty("queries").GetInt32();

        // The snapshot's own matrix is filled straight from the file: no second copy of a 2 GB matrix.
        var snapshot = new VectorSnapshot(0, "bench", dim, n, precision);
        if (precision == VectorPrecision.Float16)
        {
            ReadHalves(Path.Combine(dataDir, "db.f32"), snapshot.HalfMatrix);
        }
        else
        {
            ReadFloats(Path.Combine(dataDir, "db.f32"), snapshot.Matrix);
        }

        for (int i = 0; i < n; i++)
        {
            snapshot.Ids[i] = i + 1;
            snapshot.Paths[i] = i.ToString("D8", CultureInfo.InvariantCulture);
            snapshot.Sha256[i] = snapshot.Paths[i];
        }

        float[] qs = new float[queries * dim];
        ReadFloats(Path.Combine(dataDir, "queries.f32"), qs);
        result["vectors"] = precision == VectorPrecision.Float16 ? "float16" : "float32";
        result["vector_mb"] = snapshot.VectorBytes / 1048576.0;

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
        if (precision == VectorPrecision.Float16)
        {
            // Against the float32 exact answer: how much of it the rounded vectors still find.
            var truth = Float32TopK(Path.Combine(dataDir, "db.f32"), n, dim, qs, queries);
            int kept = 0;
            for (int q = 0; q < queries; q++)
            {
                kept += exactIds[q].Count(r => Array.IndexOf(truth[q], r) >= 0);
            }

            result["exact_recall_vs_f32"] = kept / (double)(K * queries);
            exactIds = truth;
        }

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

    private static void ReadHalves(string path, Half[] into)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (stream.Length != (long)into.Length * sizeof(float))
        {
            throw new InvalidDataException($"{path}: {stream.Length} bytes, expected {(long)into.Length * sizeof(float)}");
        }

        float[] chunk = new float[1 << 20];
        for (long start = 0; start < into.Length; start += chunk.Length)
        {
            int count = (int)Math.Min(chunk.Length, into.Length - start);
            stream.ReadExactly(MemoryMarshal.AsBytes(chunk.AsSpan(0, count)));
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(chunk.AsSpan(0, count), into.AsSpan((int)start, count));
        }
    }

    /// <summary>The float32 exact top-10 rows of every query, streaming the matrix through one reused slice.</summary>
    private static int[][] Float32TopK(string path, int n, int dim, float[] qs, int queries)
    {
        const int Rows = 8192;
        var best = new List<(int Row, float Score)>[queries];
        for (int q = 0; q < queries; q++)
        {
            best[q] = new List<(int Row, float Score)>(K + 1);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        float[] slice = new float[Rows * dim];
        for (int start = 0; start < n; start += Rows)
        {
            int count = Math.Min(Rows, n - start);
            stream.ReadExactly(MemoryMarshal.AsBytes(slice.AsSpan(0, count * dim)));
            Parallel.For(0, queries, q =>
            {
                var list = best[q];
                var query = qs.AsSpan(q * dim, dim);
                for (int r = 0; r < count; r++)
                {
                    var candidate = (start + r, System.Numerics.Tensors.TensorPrimitives.Dot(slice.AsSpan(r * dim, dim), query));
                    if (list.Count == K && ExactSearch.Compare(candidate, list[K - 1]) >= 0)
                    {
                        continue;
                    }

                    int at = list.FindIndex(x => ExactSearch.Compare(candidate, x) < 0);
                    list.Insert(at < 0 ? list.Count : at, candidate);
                    if (list.Count > K)
                    {
                        list.RemoveAt(K);
                    }
                }
            });
        }

        return best.Select(b => b.Select(x => x.Row).ToArray()).ToArray();
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
