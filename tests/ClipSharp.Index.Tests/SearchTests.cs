using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Index.Tests;

/// <summary>Exact search against a brute-force reference, HNSW recall, filters, and the persisted HNSW file.</summary>
public sealed class SearchTests(ITestOutputHelper output)
{
    private static List<(int Row, double Score)> BruteForce(float[] m, int dim, ReadOnlySpan<float> q, int k, Func<int, bool>? keep = null, double min = double.NegativeInfinity)
    {
        var all = new List<(int Row, double Score)>();
        for (int r = 0; r < m.Length / dim; r++)
        {
            double dot = 0;
            for (int d = 0; d < dim; d++)
            {
                dot += (double)m[(r * dim) + d] * q[d];
            }

            if (dot >= min && (keep is null || keep(r)))
            {
                all.Add((r, dot));
            }
        }

        return all.OrderByDescending(x => x.Score).ThenBy(x => x.Row).Take(k).ToList();
    }

    [Fact]
    public void ExactTopK_RandomVectorsWithAndWithoutFilter_EqualsBruteForce()
    {
        const int N = 20_000, Dim = 64, K = 10;
        float[] m = TestVectors.RandomUnitMatrix(N, Dim, seed: 7);
        var snapshot = VectorSnapshot.FromMatrix(m, Dim);
        float[] queries = TestVectors.RandomUnitMatrix(25, Dim, seed: 8);
        for (int qi = 0; qi < 25; qi++)
        {
            var q = queries.AsSpan(qi * Dim, Dim);
            var expected = BruteForce(m, Dim, q, K);
            var actual = ExactSearch.TopK(snapshot, q, K);
            Assert.Equal(expected.Select(e => e.Row), actual.Select(a => a.Row));
            for (int i = 0; i < K; i++)
            {
                Assert.Equal(expected[i].Score, actual[i].Score, 1e-5);
            }

            // With a filter and a minimum score, too.
            var filtered = BruteForce(m, Dim, q, K, r => r % 3 == 0, 0.1);
            Assert.Equal(filtered.Select(e => e.Row), ExactSearch.TopK(snapshot, q, K, 0.1f, r => r % 3 == 0).Select(a => a.Row));
        }
    }

    [Fact]
    public void ExactTopK_TiedScores_KeepsPathOrder()
    {
        float[] m = new float[6 * 2];
        for (int i = 0; i < 6; i++)
        {
            m[i * 2] = 1;
        }

        var top = ExactSearch.TopK(VectorSnapshot.FromMatrix(m, 2), [1f, 0f], 4);
        Assert.Equal([0, 1, 2, 3], top.Select(t => t.Row));
    }

    [Fact]
    public void Hnsw_100000Clustered512DVectors_RecallAt10IsAtLeast95Percent()
    {
        int N = int.Parse(Environment.GetEnvironmentVariable("HNSW_N") ?? "100000", CultureInfo.InvariantCulture);
        const int Dim = 512, Queries = 100, K = 10;
        var clock = Stopwatch.StartNew();
        // One draw from the mixture: the first N points are indexed, the last 100 (not in the index) are the queries.
        float[] all = TestVectors.ClusteredMatrix(N + Queries, Dim, clusters: 200, seed: 11);
        float[] m = all[..(N * Dim)];
        float[] queries = all[(N * Dim)..];
        var snapshot = VectorSnapshot.FromMatrix(m, Dim);
        output.WriteLine($"data: {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        using var hnsw = HnswIndex.Build(snapshot, new HnswOptions { ExpansionAdd = 64 });
        output.WriteLine($"build: {clock.Elapsed.TotalSeconds:F1} s");

        double hits = 0;
        var exactTime = TimeSpan.Zero;
        var hnswTime = TimeSpan.Zero;
        for (int qi = 0; qi < Queries; qi++)
        {
            var q = queries.AsSpan(qi * Dim, Dim);
            clock.Restart();
            var exact = ExactSearch.TopK(snapshot, q, K).Select(r => r.Row).ToHashSet();
            exactTime += clock.Elapsed;
            clock.Restart();
            var approx = hnsw.Search(q, 128).Take(K);
            hnswTime += clock.Elapsed;
            hits += approx.Count(id => exact.Contains(snapshot.RowOfId(id)));
        }

        double recall = hits / (Queries * K);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recall@10 {recall:F4}; exact {exactTime.TotalMilliseconds / Queries:F2} ms/query, hnsw {hnswTime.TotalMilliseconds / Queries:F3} ms/query"));
        Assert.True(recall >= 0.95, $"recall@10 = {recall}");
    }
}
