using System.Text.Json;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// Search and duplicates against every backend: filters, minimum score, stale vectors, exact order and scores
/// against a brute-force reference (within 1e-5), the approximate path, duplicate groups, the golden ranking.
/// </summary>
public abstract class SearchConformanceTests : IAsyncLifetime
{
    private const int Dim = 16;

    protected abstract IndexBackend CreateBackend();

    protected IndexBackend Backend { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Backend.DisposeAsync();

    private static IndexedFile Record(string path, float[] vector, string? sha = null, DateTime? taken = null) => new()
    {
        Path = path,
        Size = 1,
        ModifiedUtc = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        Sha256 = sha ?? path,
        TakenAt = taken,
        VectorKey = "m|p",
        Embedding = vector,
    };

    private static float[] Unit(params float[] head)
    {
        var v = new float[Dim];
        head.CopyTo(v, 0);
        ClipMath.Normalize(v);
        return v;
    }

    private async Task<IPhotoIndex> OpenWithAsync(IEnumerable<IndexedFile> files, int dim = Dim, int? hnswThreshold = null)
    {
        var index = await Backend.OpenAsync(hnswThreshold: hnswThreshold);
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", dim));
        foreach (var chunk in files.Chunk(500))
        {
            var batch = new IndexBatch();
            batch.Upserts.AddRange(chunk);
            await index.Store.CommitAsync(batch);
        }

        return index;
    }

    [SkippableFact]
    public async Task Search_FolderDateOrMinimumScoreFilter_ReturnsOnlyMatchingFiles()
    {
        await using var index = await OpenWithAsync(
        [
            Record("/photos/2023/a.jpg", Unit(1, 0.1f), taken: new DateTime(2023, 6, 1)),
            Record("/photos/2024/b.jpg", Unit(1, 0.2f), taken: new DateTime(2024, 6, 1)),
            Record("/photos/2024/sub/c.jpg", Unit(1, 0.3f)),
            Record("/photos/2024x/d.jpg", Unit(1, 0.4f), taken: new DateTime(2024, 7, 1)),
            Record("/photos/100%_e/e.jpg", Unit(1, 0.5f)),
            Record("/other/f.jpg", Unit(0, 1)),
        ]);
        float[] q = Unit(1);

        var all = await index.SearchAsync(q, new SearchOptions { Limit = 10 });
        Assert.Equal(["/photos/2023/a.jpg", "/photos/2024/b.jpg", "/photos/2024/sub/c.jpg", "/photos/2024x/d.jpg", "/photos/100%_e/e.jpg", "/other/f.jpg"], all.Select(h => h.Path));
        Assert.Equal(SearchMethod.Exact, Backend.LastMethod(index));
        Assert.Equal(new DateTime(2023, 6, 1), all[0].TakenAt);
        Assert.Null(all[2].TakenAt);

        var inFolder = await index.SearchAsync(q, new SearchOptions { Folder = "/photos/2024" });
        Assert.Equal(["/photos/2024/b.jpg", "/photos/2024/sub/c.jpg"], inFolder.Select(h => h.Path));
        Assert.Equal(["/photos/100%_e/e.jpg"], (await index.SearchAsync(q, new SearchOptions { Folder = "/photos/100%_e/" })).Select(h => h.Path));
        Assert.Empty(await index.SearchAsync(q, new SearchOptions { Folder = "/photos/100" }));

        var after = await index.SearchAsync(q, new SearchOptions { TakenAfter = new DateTime(2024, 1, 1) });
        Assert.Equal(["/photos/2024/b.jpg", "/photos/2024x/d.jpg"], after.Select(h => h.Path));

        // A date range: after is inclusive, before exclusive; files without a date are outside any range.
        var before = await index.SearchAsync(q, new SearchOptions { TakenBefore = new DateTime(2024, 6, 1) });
        Assert.Equal(["/photos/2023/a.jpg"], before.Select(h => h.Path));
        var range = await index.SearchAsync(q, new SearchOptions { TakenAfter = new DateTime(2024, 1, 1), TakenBefore = new DateTime(2024, 7, 1) });
        Assert.Equal(["/photos/2024/b.jpg"], range.Select(h => h.Path));

        var both = await index.SearchAsync(q, new SearchOptions { TakenAfter = new DateTime(2024, 1, 1), Folder = "/photos/2024x" });
        Assert.Equal(["/photos/2024x/d.jpg"], both.Select(h => h.Path));

        var good = await index.SearchAsync(q, new SearchOptions { MinScore = 0.95f });
        Assert.All(good, h => Assert.True(h.Score >= 0.95f));
        Assert.Equal(["/photos/2023/a.jpg", "/photos/2024/b.jpg", "/photos/2024/sub/c.jpg"], good.Select(h => h.Path));

        var limited = await index.SearchAsync(q, new SearchOptions { Limit = 2 });
        Assert.Equal(2, limited.Count);
    }

    [SkippableFact]
    public async Task ExactSearch_RandomVectorsWithTies_EqualsBruteForceInOrderAndScore()
    {
        const int N = 400, D = 32;
        float[] matrix = TestVectors.RandomUnitMatrix(N, D, seed: 11);
        var files = Enumerable.Range(0, N).Select(i => Record($"/r/{i:D4}.jpg", matrix.AsSpan(i * D, D).ToArray())).ToList();
        // Ties: two rows with the same vector (ordered by path).
        files[7] = files[7] with { Embedding = files[300].Embedding };
        await using var index = await OpenWithAsync(files, D);
        float[] queries = TestVectors.RandomUnitMatrix(5, D, seed: 12);
        for (int qi = 0; qi < 6; qi++)
        {
            float[] q = qi < 5 ? queries.AsSpan(qi * D, D).ToArray() : files[7].Embedding!;
            var reference = files
                .Select(f => (f.Path, Score: System.Numerics.Tensors.TensorPrimitives.Dot(Backend.AsStored(f.Embedding!), q)))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Path, StringComparer.Ordinal).Take(25).ToList();

            var hits = await index.SearchAsync(q, new SearchOptions { Limit = 25, Exact = true });

            Assert.Equal(reference.Select(r => r.Path), hits.Select(h => h.Path));
            for (int i = 0; i < hits.Count; i++)
            {
                Assert.True(Math.Abs(reference[i].Score - hits[i].Score) <= 1e-5f, $"{Backend.Name}: {hits[i].Path} {hits[i].Score} vs {reference[i].Score}");
                Assert.True(hits[i].Id != 0);
                Assert.Equal(hits[i].Path, (await index.Store.GetByIdAsync(hits[i].Id, false))!.Path);
            }
        }
    }

    [SkippableFact]
    public async Task Search_AboveTheHnswThreshold_AnswersLikeTheExactScan()
    {
        const int N = 600;
        float[] matrix = TestVectors.ClusteredMatrix(N, Dim, clusters: 12, seed: 5);
        var files = Enumerable.Range(0, N).Select(i => Record($"/p/{i:D4}.jpg", matrix.AsSpan(i * Dim, Dim).ToArray(),
            taken: i % 2 == 0 ? new DateTime(2024, 1, 1).AddDays(i) : null)).ToList();
        await using var index = await OpenWithAsync(files, hnswThreshold: 500);
        await index.PrepareAsync();
        int agree = 0, total = 0;
        foreach (int row in new[] { 17, 101, 333, 598 })
        {
            float[] q = files[row].Embedding!;
            var approx = await index.SearchAsync(q, new SearchOptions { Limit = 10 });
            Assert.Equal(SearchMethod.Hnsw, Backend.LastMethod(index));
            var exact = await index.SearchAsync(q, new SearchOptions { Limit = 10, Exact = true });
            Assert.Equal(SearchMethod.Exact, Backend.LastMethod(index));
            Assert.Equal(files[row].Path, approx[0].Path);
            agree += approx.Select(h => h.Path).Intersect(exact.Select(h => h.Path)).Count();
            total += exact.Count;
            for (int i = 1; i < approx.Count; i++)
            {
                Assert.True(approx[i - 1].Score >= approx[i].Score);
            }

            var filtered = await index.SearchAsync(q, new SearchOptions { Limit = 10, TakenAfter = new DateTime(2024, 6, 1) });
            Assert.Equal(10, filtered.Count);
            Assert.All(filtered, h => Assert.True(h.TakenAt >= new DateTime(2024, 6, 1)));
        }

        Assert.True(agree >= 0.95 * total, $"{Backend.Name}: recall {agree}/{total}");
    }

    [SkippableFact]
    public async Task FindDuplicates_SameHashOrCloseVectors_GroupsThemAsExactOrNear()
    {
        float[] a = Unit(1, 0, 0);
        float[] nearA = Unit(1, 0.15f, 0); // cosine ≈ 0.989
        float[] farther = Unit(1, 0.5f, 0); // cosine ≈ 0.894
        float[] b = Unit(0, 0, 1);
        float[] nearB = Unit(0, 0.1f, 1);
        await using var index = await OpenWithAsync(
        [
            Record("/p/a1.jpg", a, sha: "aaa"),
            Record("/p/a2.jpg", a, sha: "aaa"),
            Record("/p/a-near.jpg", nearA),
            Record("/p/far.jpg", farther),
            Record("/p/b.jpg", b),
            Record("/p/b-near.jpg", nearB),
            Record("/p/alone.jpg", Unit(0, 1, 0)),
        ]);

        var groups = await index.FindDuplicatesAsync(0.97f);

        var exact = Assert.Single(groups, g => g.Kind == DuplicateKind.Exact);
        Assert.Equal(["/p/a1.jpg", "/p/a2.jpg"], exact.Paths);
        var near = groups.Where(g => g.Kind == DuplicateKind.Near).ToList();
        Assert.Equal(2, near.Count);
        Assert.Contains(near, g => g.Paths.SequenceEqual(["/p/a-near.jpg", "/p/a1.jpg", "/p/a2.jpg"]));
        Assert.Contains(near, g => g.Paths.SequenceEqual(["/p/b-near.jpg", "/p/b.jpg"]));
        Assert.All(near, g => Assert.InRange(g.MinScore, 0.97f, 1f));

        var loose = await index.FindDuplicatesAsync(0.85f);
        Assert.Contains(loose, g => g.Kind == DuplicateKind.Near && g.Paths.Contains("/p/far.jpg") && g.Paths.Contains("/p/a1.jpg"));
    }

    [SkippableFact]
    public async Task Search_StaleVectorsOfAnotherModel_LeavesThemOut()
    {
        await using var index = await OpenWithAsync([Record("/p/a.jpg", Unit(1)), Record("/p/b.jpg", Unit(1, 1))]);
        var batch = new IndexBatch();
        batch.Upserts.Add(Record("/p/old.jpg", Unit(1)) with { VectorKey = "old-model|p" });
        await index.Store.CommitAsync(batch);

        var hits = await index.SearchAsync(Unit(1), new SearchOptions());

        Assert.Equal(["/p/a.jpg", "/p/b.jpg"], hits.Select(h => h.Path));
        Assert.Equal(new IndexCounts(3, 2, 1, 0), await index.Store.GetCountsAsync());
        Assert.Empty(await index.FindDuplicatesAsync(0.9f));
    }

    /// <summary>
    /// With the real micro model, the index over the golden images returns, for each golden text, the golden
    /// ranking: order, with scores within 1e-4 (neighbours closer than that may swap), plus the rounding of the
    /// stored vectors on a backend that stores fewer bits (<see cref="IndexBackend.StorageScoreError"/>).
    /// </summary>
    [SkippableFact]
    public async Task Search_GoldenImagesIndexed_ReturnsTheGoldenRankingForEveryText()
    {
        string images = TestData.Path("golden", "images");
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var embedder = new ClipModelEmbedder(model, fastJpegDecode: false); // the golden ranking is the reference pipeline's
        await using var index = await Backend.OpenAsync();
        var result = await new Indexer(index.Store, embedder).RunAsync([images]);
        Assert.Equal(0, result.Failed);

        using var doc = JsonDocument.Parse(System.IO.File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "search.json")));
        var root = doc.RootElement;
        string[] texts = root.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var rankings = root.GetProperty("ranking");
        var allScores = root.GetProperty("scores");
        Assert.Equal(texts.Length, rankings.GetArrayLength());
        double tolerance = 1e-4 + Backend.StorageScoreError;
        for (int t = 0; t < texts.Length; t++)
        {
            string[] ranking = rankings[t].EnumerateArray().Select(r => r.GetString()!).ToArray();
            double[] scores = allScores[t].EnumerateArray().Select(s => s.GetDouble()).ToArray();
            float[] query = SearchQuery.Embed(SearchQuery.Parse(texts[t], _ => false), embedder);
            var hits = await index.SearchAsync(query, new SearchOptions { Limit = ranking.Length });

            Assert.Equal(ranking.Length, hits.Count);
            var goldenScore = ranking.Select((file, i) => (file, scores[i])).ToDictionary(x => x.file, x => x.Item2);
            for (int i = 0; i < hits.Count; i++)
            {
                string file = Path.GetFileName(hits[i].Path);
                Assert.True(Math.Abs(hits[i].Score - goldenScore[file]) <= tolerance, $"\"{texts[t]}\" {file}: {hits[i].Score} vs golden {goldenScore[file]}");
                // Same order, except neighbours whose golden scores are within 1e-4 of each other may swap (plus twice the
                // storage's rounding: each of the two can move that far).
                Assert.True(file == ranking[i] || Math.Abs(goldenScore[file] - scores[i]) <= 1e-4 + (2 * Backend.StorageScoreError),
                    $"\"{texts[t]}\" rank {i}: {file}, golden {ranking[i]}");
            }
        }
    }
}
