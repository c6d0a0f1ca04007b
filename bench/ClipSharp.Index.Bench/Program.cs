using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using ClipSharp;
using ClipSharp.Index;
using ClipSharp.Index.Tests;

// Index benchmarks (not tests): search latency (exact vs HNSW) and memory at N vectors, and the indexing rate
// of the pipeline with the fake embedder (walk + hash + probe + commit; no model).
// Usage: dotnet run -c Release --project bench/ClipSharp.Index.Bench -- [search N] [index FILES]
var culture = CultureInfo.InvariantCulture;
string mode = args.Length > 0 ? args[0] : "all";
if (mode is "search" or "all")
{
    int n = args.Length > 1 && mode == "search" ? int.Parse(args[1], culture) : 100_000;
    Search(n);
}

if (mode is "index" or "all")
{
    int files = args.Length > 1 && mode == "index" ? int.Parse(args[1], culture) : 2_000;
    await IndexRate(files);
}

return 0;

void Search(int n)
{
    const int Dim = 512, Queries = 200, K = 20;
    var clock = Stopwatch.StartNew();
    float[] all = TestVectors.ClusteredMatrix(n + Queries, Dim, 200, 11);
    var snapshot = VectorSnapshot.FromMatrix(all[..(n * Dim)], Dim);
    float[] queries = all[(n * Dim)..];
    Console.WriteLine(string.Create(culture, $"search: {n} vectors × {Dim}, generated in {clock.Elapsed.TotalSeconds:F1} s; matrix {n * Dim * 4.0 / 1048576:F0} MiB"));
    string folder = Path.Combine(Path.GetTempPath(), "clipsharp-bench-hnsw-" + Guid.NewGuid().ToString("N"));
    Directory.CreateDirectory(folder);
    clock.Restart();
    using var hnsw = HnswIndex.LoadOrBuild(folder, snapshot, new HnswOptions());
    Console.WriteLine(string.Create(culture, $"hnsw build + save (M=16, ef_add=128): {clock.Elapsed.TotalSeconds:F1} s"));
    clock.Restart();
    using (var loaded = HnswIndex.LoadOrBuild(folder, snapshot, new HnswOptions()))
    {
        Console.WriteLine(string.Create(culture, $"hnsw load of the persisted file: {clock.Elapsed.TotalSeconds:F2} s"));
    }

    var exact = new double[Queries];
    var approx = new double[Queries];
    double hits = 0;
    for (int q = 0; q < Queries; q++)
    {
        var query = queries.AsSpan(q * Dim, Dim);
        clock.Restart();
        var e = ExactSearch.TopK(snapshot, query, K);
        exact[q] = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var keys = hnsw.Search(query, 128);
        var scored = new List<(int Row, float Score)>(keys.Length);
        var scorer = snapshot.Scorer(query);
        foreach (long id in keys)
        {
            int row = snapshot.RowOfId(id);
            scored.Add((row, scorer.Score(row)));
        }

        var rescored = scored.OrderByDescending(x => x.Score).Take(K).Select(x => x.Row).ToList();
        approx[q] = clock.Elapsed.TotalMilliseconds;
        var truth = e.Select(x => x.Row).ToHashSet();
        hits += rescored.Count(truth.Contains);
    }

    long hnswBytes = new FileInfo(Path.Combine(folder, HnswIndex.FileName)).Length;
    Console.WriteLine(string.Create(culture,
        $"exact top-{K}: p50 {Percentile(exact, 50):F2} ms, p99 {Percentile(exact, 99):F2} ms; hnsw: p50 {Percentile(approx, 50):F3} ms, p99 {Percentile(approx, 99):F3} ms; recall@{K} {hits / (Queries * K):F4}; hnsw file {hnswBytes / 1048576.0:F0} MiB"));
    Directory.Delete(folder, recursive: true);
}

async Task IndexRate(int files)
{
    string root = Path.Combine(Path.GetTempPath(), "clipsharp-bench-index-" + Guid.NewGuid().ToString("N"));
    string pics = Path.Combine(root, "pics");
    Directory.CreateDirectory(pics);
    try
    {
        for (int i = 0; i < files; i++)
        {
            WritePng(Path.Combine(pics, $"{i % 50:D2}", $"img{i:D6}.png"), i, 64);
        }

        await using var index = PhotoIndex.Open(Path.Combine(root, "index"));
        var embedder = new FakeClipEmbedder { Dimension = 512, PreferredBatchSize = 32 };
        var clock = Stopwatch.StartNew();
        var first = await new Indexer(index.Store, embedder).RunAsync([pics]);
        double firstSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var second = await new Indexer(index.Store, embedder).RunAsync([pics]);
        Console.WriteLine(string.Create(culture,
            $"index (fake embedder, 512-d, 64×64 PNGs): {files} files in {firstSeconds:F2} s = {first.Embedded / firstSeconds:F0} files/s; unchanged re-run {clock.Elapsed.TotalSeconds:F2} s ({second.Unchanged} unchanged); db {new FileInfo(Path.Combine(root, "index", "index.db")).Length / 1048576.0:F1} MiB"));
    }
    finally
    {
        Directory.Delete(root, recursive: true);
    }
}

static double Percentile(double[] values, int p)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];
}

static void WritePng(string path, int seed, int size)
{
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    var random = new Random(seed);
    var raw = new byte[size * ((size * 3) + 1)];
    for (int y = 0; y < size; y++)
    {
        random.NextBytes(raw.AsSpan((y * ((size * 3) + 1)) + 1, size * 3));
    }

    using var ms = new MemoryStream();
    ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    byte[] ihdr = new byte[13];
    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, size);
    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), size);
    ihdr[8] = 8;
    ihdr[9] = 2;
    Chunk(ms, "IHDR", ihdr);
    using (var z = new MemoryStream())
    {
        using (var zl = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
        {
            zl.Write(raw);
        }

        Chunk(ms, "IDAT", z.ToArray());
    }

    Chunk(ms, "IEND", []);
    File.WriteAllBytes(path, ms.ToArray());
}

static void Chunk(Stream s, string type, byte[] data)
{
    Span<byte> len = stackalloc byte[4];
    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
    s.Write(len);
    s.Write(System.Text.Encoding.ASCII.GetBytes(type));
    s.Write(data);
    s.Write(new byte[4]); // CRC is not checked by the index (only the fake embedder reads these)
}
