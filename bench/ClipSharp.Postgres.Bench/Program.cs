using System.Diagnostics;
using System.Globalization;
using ClipSharp.Index;
using ClipSharp.Index.Tests;
using ClipSharp.Postgres;
using Npgsql;

// PostgreSQL backend benchmarks (not tests): batched upsert rate, exact vs HNSW query latency, HNSW build time,
// recall@10 and bytes on disk, for N clustered vectors of D floats, as vector and as halfvec.
// Usage: dotnet run -c Release --project bench/ClipSharp.Postgres.Bench -- STORE [N] [D] [vector|halfvec]
// (STORE: a postgres:// URL or connection string; default $CLIPSHARP_TEST_POSTGRES.)
var culture = CultureInfo.InvariantCulture;
string store = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("CLIPSHARP_TEST_POSTGRES") ?? throw new InvalidOperationException("no store");
int n = args.Length > 1 ? int.Parse(args[1], culture) : 10_000;
int dim = args.Length > 2 ? int.Parse(args[2], culture) : 512;
string type = args.Length > 3 ? args[3] : "vector";
const int Queries = 20, K = 10, Batch = 256;

var options = PostgresStoreOptions.Parse(store) with
{
    Schema = "bench_" + Guid.NewGuid().ToString("N")[..8],
    VectorType = type == "halfvec" ? PostgresVectorType.HalfVec : PostgresVectorType.Vector,
};
float[] all = TestVectors.ClusteredMatrix(n + Queries, dim, 100, 7);
await using var index = await PostgresPhotoIndex.OpenAsync(options);
try
{
    await index.Store.SetMetadataAsync(new IndexMetadata("bench", "p", dim));
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < n; i += Batch)
    {
        var batch = new IndexBatch();
        for (int j = i; j < Math.Min(n, i + Batch); j++)
        {
            batch.Upserts.Add(new IndexedFile
            {
                Path = string.Create(culture, $"/photos/{j % 100:D3}/{j:D8}.jpg"),
                Size = 3_000_000,
                ModifiedUtc = DateTime.UtcNow,
                Sha256 = j.ToString("x64", culture),
                Width = 4000,
                Height = 3000,
                TakenAt = new DateTime(2020, 1, 1).AddMinutes(j),
                VectorKey = "bench|p",
                Embedding = all.AsSpan(j * dim, dim).ToArray(),
            });
        }

        await index.Store.CommitAsync(batch);
    }

    double insertSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(culture, $"{type}({dim}) × {n}: upserts in batches of {Batch}: {insertSeconds:F1} s = {n / insertSeconds:F0} rows/s"));
    long heap = await Scalar($"SELECT pg_total_relation_size('{options.Schema}.files')");
    Console.WriteLine(string.Create(culture, $"table + btree indexes + TOAST: {heap / 1048576.0:F1} MiB = {heap / (double)n:F0} bytes per image"));

    var exactMs = new List<double>();
    var exactHits = new List<IReadOnlyList<SearchHit>>();
    for (int q = 0; q < Queries; q++)
    {
        clock.Restart();
        exactHits.Add(await index.SearchAsync(all.AsMemory((n + q) * dim, dim), new SearchOptions { Limit = K, Exact = true }));
        exactMs.Add(clock.Elapsed.TotalMilliseconds);
    }

    clock.Restart();
    await index.PrepareAsync(); // ANALYZE, and the HNSW index (threshold 10 000 by default)
    await index.CreateHnswIndexAsync();
    double build = clock.Elapsed.TotalSeconds;
    long hnswBytes = await Scalar($"SELECT pg_relation_size('{options.Schema}.{PostgresIndexStore.HnswIndexName}')");
    Console.WriteLine(string.Create(culture, $"HNSW build (m={options.HnswM}, ef_construction={options.HnswEfConstruction}): {build:F1} s; index {hnswBytes / 1048576.0:F1} MiB = {hnswBytes / (double)n:F0} bytes per image"));

    if (Environment.GetEnvironmentVariable("BENCH_EXPLAIN") == "1")
    {
        await using var connection = await index.Store.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand("SET LOCAL hnsw.ef_search = 40; SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL enable_seqscan = off", connection, tx))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand($"EXPLAIN ANALYZE SELECT id, path, d FROM (SELECT id, path, embedding <=> $1 AS d FROM {index.Store.Schema}.files WHERE vector_key = $2 ORDER BY embedding <=> $1 LIMIT $3) AS n ORDER BY d, path", connection, tx);
        explain.Parameters.Add(new NpgsqlParameter { Value = new Pgvector.Vector(all.AsMemory(n * dim, dim)) });
        explain.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "bench|p" });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = K });
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            string line = reader.GetString(0);
            if (line.Contains("->", StringComparison.Ordinal) || line.Contains("Time", StringComparison.Ordinal))
            {
                Console.WriteLine("  " + line[..Math.Min(line.Length, 110)]);
            }
        }
    }

    var hnswMs = new List<double>();
    double agree = 0;
    for (int q = 0; q < Queries; q++)
    {
        clock.Restart();
        var hits = await index.SearchAsync(all.AsMemory((n + q) * dim, dim), new SearchOptions { Limit = K });
        hnswMs.Add(clock.Elapsed.TotalMilliseconds);
        agree += hits.Select(h => h.Path).Intersect(exactHits[q].Select(h => h.Path)).Count() / (double)K;
    }

    Console.WriteLine(string.Create(culture, $"query top-{K}, median (p95) over {Queries}: exact {Median(exactMs):F1} ms ({P95(exactMs):F1}); HNSW ef_search={options.HnswEfSearch} {Median(hnswMs):F1} ms ({P95(hnswMs):F1}); recall@{K} {agree / Queries:F3}"));
}
finally
{
    await index.Store.DropAsync();
}

return 0;

async Task<long> Scalar(string sql)
{
    await using var connection = new NpgsqlConnection(options.ConnectionString);
    await connection.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, connection);
    return Convert.ToInt64(await cmd.ExecuteScalarAsync(), culture);
}

static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

static double P95(List<double> xs) => xs.Order().ElementAt((int)Math.Min(xs.Count - 1, Math.Ceiling(xs.Count * 0.95) - 1));
