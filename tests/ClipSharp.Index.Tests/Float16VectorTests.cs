using ClipSharp.Tests;
using Microsoft.Data.Sqlite;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// The embedded index's float16 storage: what is on disk, converting a float32 index in place, what is refused, and
/// how far the rounding moves scores and rankings (search itself is in the float16 conformance suite).
/// </summary>
public sealed class Float16VectorTests : IDisposable
{
    private const int Dim = 64;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static List<IndexedFile> Records(float[] matrix, int dim) => Enumerable.Range(0, matrix.Length / dim).Select(i => new IndexedFile
    {
        Path = $"/p/{i:D5}.jpg",
        Size = 1,
        ModifiedUtc = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        Sha256 = "sha" + i,
        VectorKey = "m|p",
        Embedding = matrix.AsSpan(i * dim, dim).ToArray(),
    }).ToList();

    private static async Task FillAsync(IIndexStore store, List<IndexedFile> files, int dim)
    {
        await store.SetMetadataAsync(new IndexMetadata("m", "p", dim));
        foreach (var chunk in files.Chunk(1000))
        {
            var batch = new IndexBatch();
            batch.Upserts.AddRange(chunk);
            await store.CommitAsync(batch);
        }
    }

    /// <summary>A float16 index of <paramref name="count"/> random unit vectors in <paramref name="folder"/>; returns its records.</summary>
    private static async Task<List<IndexedFile>> CreateFloat16IndexAsync(string folder, int count, int seed)
    {
        var files = Records(TestVectors.RandomUnitMatrix(count, Dim, seed), Dim);
        await using var store = SqliteIndexStore.Open(folder, VectorPrecision.Float16);
        await FillAsync(store, files, Dim);
        return files;
    }

    /// <summary>The database's size in pages, wherever they are (main file or write-ahead log).</summary>
    private const string PageBytes = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";

    private static string Scalar(string folder, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, SqliteIndexStore.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    [Fact]
    public async Task Float16Index_Reopened_StoresTwoBytesPerValueAtSchemaVersion2()
    {
        string folder = _temp.Sub("idx");
        var files = await CreateFloat16IndexAsync(folder, 20, seed: 1);

        Assert.Equal((Dim * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(folder, "SELECT DISTINCT length(embedding) FROM files"));
        await using (var reopened = SqliteIndexStore.Open(folder))
        {
            Assert.Equal(2, (await reopened.GetMetadataAsync())!.SchemaVersion);
            Assert.Equal(VectorPrecision.Float16, reopened.Precision);
            var read = await reopened.GetByPathAsync(files[3].Path, withEmbedding: true);
            Assert.Equal(IndexBackend.RoundToHalf(files[3].Embedding!), read!.Embedding);
        }
    }

    [Fact]
    public async Task OpenAsFloat16_Float32Index_RoundsInPlaceShrinksAndRebuildsTheGraph()
    {
        const int N = 3000;
        string folder = _temp.Sub("idx");
        var files = Records(TestVectors.ClusteredMatrix(N, Dim, clusters: 20, seed: 3), Dim);
        var options = new PhotoIndexOptions { Hnsw = new HnswOptions { Threshold = 1000 } };
        float[] query = files[1234].Embedding!;
        long float32Bytes;
        long generation;
        await using (var index = PhotoIndex.Open(folder, options))
        {
            await FillAsync(index.Store, files, Dim);
            await index.PrepareAsync();
            Assert.Equal(HnswOrigin.Built, index.HnswOrigin);
            generation = await index.Store.GetGenerationAsync();
        }

        float32Bytes = long.Parse(Scalar(folder, PageBytes), System.Globalization.CultureInfo.InvariantCulture);

        await using (var index = PhotoIndex.Open(folder, options with { Vectors = VectorPrecision.Float16 }))
        {
            Assert.Equal(VectorPrecision.Float16, index.Store.Precision);
            Assert.Equal(N, index.Store.VectorsConvertedOnOpen);
            Assert.Equal(new IndexCounts(N, N, 0, 0), await index.Store.GetCountsAsync());
            Assert.True(await index.Store.GetGenerationAsync() > generation);
            foreach (int i in new[] { 0, 1234, N - 1 })
            {
                Assert.Equal(IndexBackend.RoundToHalf(files[i].Embedding!), (await index.Store.GetByPathAsync(files[i].Path, true))!.Embedding);
            }

            var hits = await index.SearchAsync(query, new SearchOptions { Limit = 5 });
            Assert.Equal(SearchMethod.Hnsw, index.LastMethod);
            // A graph of float32 vectors is never used for float16 ones.
            Assert.Equal(HnswOrigin.Built, index.HnswOrigin);
            Assert.Equal(files[1234].Path, hits[0].Path);
            Assert.Equal("ok", await index.Store.CheckIntegrityAsync());
        }

        long float16Bytes = long.Parse(Scalar(folder, PageBytes), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(float16Bytes < 0.75 * float32Bytes, $"{float16Bytes} bytes after, {float32Bytes} before");
        await using (var index = PhotoIndex.Open(folder, options with { Vectors = VectorPrecision.Float16 }))
        {
            Assert.Equal(0, index.Store.VectorsConvertedOnOpen);
            await index.PrepareAsync();
            Assert.Equal(HnswOrigin.Loaded, index.HnswOrigin);
        }
    }

    [Fact]
    public async Task OpenAsFloat32_Float16Index_IsRefusedAndLeftAsItWas()
    {
        string folder = _temp.Sub("idx");
        await CreateFloat16IndexAsync(folder, 5, seed: 2);

        var ex = Assert.Throws<ClipSharpException>(() => SqliteIndexStore.Open(folder, VectorPrecision.Float32));
        Assert.Contains("float16", ex.Message, StringComparison.Ordinal);
        Assert.Contains(folder, ex.ToString(), StringComparison.Ordinal);
        await using var again = SqliteIndexStore.Open(folder);
        Assert.Equal(VectorPrecision.Float16, again.Precision);
        Assert.Equal(5, (await again.GetCountsAsync()).Files);
    }

    [Fact]
    public async Task Store_ConvertedByAnotherOpener_ReadsAndWritesFloat16FromThenOn()
    {
        string folder = _temp.Sub("idx");
        var files = Records(TestVectors.RandomUnitMatrix(4, Dim, seed: 6), Dim);
        await using var early = PhotoIndex.Open(folder);
        await FillAsync(early.Store, files[..3], Dim);
        Assert.Equal(3, (await early.SearchAsync(files[0].Embedding!, new SearchOptions())).Count);

        await (SqliteIndexStore.Open(folder, VectorPrecision.Float16)).DisposeAsync();
        var batch = new IndexBatch();
        batch.Upserts.Add(files[3]);
        await early.Store.CommitAsync(batch);

        Assert.Equal(VectorPrecision.Float16, early.Store.Precision);
        Assert.Equal((Dim * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(folder, "SELECT DISTINCT length(embedding) FROM files"));
        Assert.Equal(IndexBackend.RoundToHalf(files[1].Embedding!), (await early.Store.GetByPathAsync(files[1].Path, true))!.Embedding);
        var hits = await early.SearchAsync(files[3].Embedding!, new SearchOptions());
        Assert.Equal(4, hits.Count);
        Assert.Equal(files[3].Path, hits[0].Path);
    }

    [Fact]
    public async Task Open_UnknownVectorFormat_IsRefusedNamingIt()
    {
        string folder = _temp.Sub("idx");
        await (SqliteIndexStore.Open(folder)).DisposeAsync();
        Scalar(folder, "INSERT INTO meta(key, value) VALUES ('vector_precision', 'bfloat16') ON CONFLICT(key) DO UPDATE SET value = excluded.value");

        var ex = Assert.Throws<ClipSharpException>(() => SqliteIndexStore.Open(folder));

        Assert.Contains("bfloat16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_DamagedFloat16Vector_IsReportedWithItsFile()
    {
        string folder = _temp.Sub("idx");
        var files = await CreateFloat16IndexAsync(folder, 3, seed: 4);

        Scalar(folder, $"UPDATE files SET embedding = zeroblob({Dim * 4}) WHERE path = '/p/00001.jpg'");
        await using var index = PhotoIndex.Open(folder);

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => index.SearchAsync(files[0].Embedding!, new SearchOptions()));

        Assert.Contains("/p/00001.jpg", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ordinary", 512)]
    [InlineData("ordinary", 37)]
    [InlineData("subnormal", 768)]
    [InlineData("subnormal", 7)]
    [InlineData("extreme", 64)]
    public void HalfDot_OrdinarySubnormalAndExtremeValues_EqualsWideningFirst(string kind, int dim)
    {
        var random = new Random(dim);
        var values = new float[dim];
        for (int i = 0; i < dim; i++)
        {
            float sign = random.Next(2) == 0 ? 1f : -1f;
            values[i] = kind switch
            {
                // Half subnormals (below 2^-14) and signed zeros only: a mistake there would be lost among larger terms.
                "subnormal" => i % 5 == 0 ? sign * 0f : sign * 6e-5f * (float)random.NextDouble(),
                // The largest half and the smallest normal one.
                "extreme" => i % 2 == 0 ? sign * 65504f : sign * 6.1035156e-5f,
                _ => (float)((random.NextDouble() * 2) - 1),
            };
        }

        var row = new Half[dim];
        var widened = new float[dim];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, row);
        System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(row, widened);
        float[] query = TestVectors.RandomUnitMatrix(1, dim, seed: dim + 1);
        double expected = 0, magnitude = 0;
        for (int i = 0; i < dim; i++)
        {
            expected += (double)widened[i] * query[i];
            magnitude += Math.Abs((double)widened[i] * query[i]);
        }

        float actual = HalfDot.Dot(row, query, HalfDot.ScaleQuery(query));

        // Float32 accumulation in another order: within a few ulps of the sum of magnitudes.
        Assert.True(magnitude > 0);
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * magnitude, $"{actual} vs {expected} (Σ|·| {magnitude})");
    }

    /// <summary>
    /// The fidelity cost, on 20 000 clustered 512-d vectors: float16 scores stay within 5e-4 of float32 ones, and the
    /// float16 top-10 holds at least 97 % of the float32 top-10 (the rest are near ties).
    /// </summary>
    [Fact]
    public void Float16Search_20000Clustered512DVectors_ScoresWithin5e4AndKeepsTheTop10()
    {
        const int N = 20_000, D = 512, K = 10;
        float[] matrix = TestVectors.ClusteredMatrix(N, D, clusters: 50, seed: 8);
        var single = VectorSnapshot.FromMatrix(matrix, D);
        var half = VectorSnapshot.FromMatrix(matrix, D, precision: VectorPrecision.Float16);
        Assert.Equal(single.VectorBytes / 2, half.VectorBytes);
        float[] queries = TestVectors.ClusteredMatrix(50, D, clusters: 50, seed: 9);
        int kept = 0;
        float worst = 0;
        for (int q = 0; q < 50; q++)
        {
            var query = queries.AsSpan(q * D, D);
            var a = ExactSearch.TopK(single, query, K);
            var b = ExactSearch.TopK(half, query, K);
            var reference = single.Scorer(query);
            kept += a.Select(r => r.Row).Intersect(b.Select(r => r.Row)).Count();
            foreach (var (row, score) in b)
            {
                worst = Math.Max(worst, Math.Abs(score - reference.Score(row)));
            }
        }

        Assert.True(worst <= 5e-4f, $"worst |Δscore| {worst}");
        Assert.True(kept >= 0.97 * 50 * K, $"{kept} of {50 * K} top-10 hits kept");
    }
}
