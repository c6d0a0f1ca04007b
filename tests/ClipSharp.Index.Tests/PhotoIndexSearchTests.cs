using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>Search through the embedded index: filters, HNSW above the threshold, staleness, duplicates.</summary>
public sealed class PhotoIndexSearchTests : IDisposable
{
    private const int Dim = 16;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

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

    private async Task<PhotoIndex> OpenWithAsync(IEnumerable<IndexedFile> files, PhotoIndexOptions? options = null)
    {
        var index = PhotoIndex.Open(_temp.Sub("index"), options);
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", Dim));
        var batch = new IndexBatch();
        batch.Upserts.AddRange(files);
        await index.Store.CommitAsync(batch);
        return index;
    }

    [Fact]
    public async Task Search_filters_by_folder_date_taken_and_minimum_score()
    {
        await using var index = await OpenWithAsync(
        [
            Record("/photos/2023/a.jpg", Unit(1, 0.1f), taken: new DateTime(2023, 6, 1)),
            Record("/photos/2024/b.jpg", Unit(1, 0.2f), taken: new DateTime(2024, 6, 1)),
            Record("/photos/2024/sub/c.jpg", Unit(1, 0.3f)),
            Record("/photos/2024x/d.jpg", Unit(1, 0.4f), taken: new DateTime(2024, 7, 1)),
            Record("/other/e.jpg", Unit(0, 1)),
        ]);
        float[] q = Unit(1);

        var all = await index.SearchAsync(q, new SearchOptions { Limit = 10 });
        Assert.Equal(["/photos/2023/a.jpg", "/photos/2024/b.jpg", "/photos/2024/sub/c.jpg", "/photos/2024x/d.jpg", "/other/e.jpg"], all.Select(h => h.Path));
        Assert.Equal(SearchMethod.Exact, index.LastMethod);

        var inFolder = await index.SearchAsync(q, new SearchOptions { Folder = "/photos/2024" });
        Assert.Equal(["/photos/2024/b.jpg", "/photos/2024/sub/c.jpg"], inFolder.Select(h => h.Path));

        var after = await index.SearchAsync(q, new SearchOptions { TakenAfter = new DateTime(2024, 1, 1) });
        Assert.Equal(["/photos/2024/b.jpg", "/photos/2024x/d.jpg"], after.Select(h => h.Path));

        var good = await index.SearchAsync(q, new SearchOptions { MinScore = 0.95f });
        Assert.All(good, h => Assert.True(h.Score >= 0.95f));
        Assert.Equal(["/photos/2023/a.jpg", "/photos/2024/b.jpg", "/photos/2024/sub/c.jpg"], good.Select(h => h.Path));

        var limited = await index.SearchAsync(q, new SearchOptions { Limit = 2 });
        Assert.Equal(2, limited.Count);
    }

    [Fact]
    public async Task Above_the_threshold_search_uses_a_persisted_hnsw_graph_that_is_updated_when_stale()
    {
        var random = new Random(5);
        float[] RandomUnit()
        {
            var v = Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            ClipMath.Normalize(v);
            return v;
        }

        var files = Enumerable.Range(0, 600).Select(i => Record($"/p/{i:D4}.jpg", RandomUnit())).ToList();
        var options = new PhotoIndexOptions { Hnsw = new HnswOptions { Threshold = 500 } };
        await using var index = await OpenWithAsync(files, options);
        float[] q = files[17].Embedding!;

        var approx = await index.SearchAsync(q, new SearchOptions { Limit = 10 });
        Assert.Equal(SearchMethod.Hnsw, index.LastMethod);
        Assert.Equal(HnswOrigin.Built, index.HnswOrigin);
        var exact = await index.SearchAsync(q, new SearchOptions { Limit = 10, Exact = true });
        Assert.Equal(SearchMethod.Exact, index.LastMethod);
        Assert.Equal(exact.Select(h => h.Path), approx.Select(h => h.Path));
        Assert.Equal("/p/0017.jpg", approx[0].Path);

        // A few changes (a delete, a re-embedded file, a new file) update the persisted graph instead of rebuilding it.
        float[] moved = RandomUnit();
        float[] added = RandomUnit();
        var batch = new IndexBatch();
        batch.Deletes.Add("/p/0017.jpg");
        batch.Upserts.Add(Record("/p/0100.jpg", moved));
        batch.Upserts.Add(Record("/p/new.jpg", added));
        await index.Store.CommitAsync(batch);

        var after = await index.SearchAsync(q, new SearchOptions { Limit = 10 });
        Assert.Equal(HnswOrigin.Updated, index.HnswOrigin);
        Assert.DoesNotContain(after, h => h.Path == "/p/0017.jpg");
        Assert.Equal((await index.SearchAsync(q, new SearchOptions { Limit = 10, Exact = true })).Select(h => h.Path), after.Select(h => h.Path));
        Assert.Equal("/p/0100.jpg", (await index.SearchAsync(moved, new SearchOptions { Limit = 1 }))[0].Path);
        Assert.Equal("/p/new.jpg", (await index.SearchAsync(added, new SearchOptions { Limit = 1 }))[0].Path);

        // A fresh process maps the persisted graph instead of rebuilding it.
        await using (var reopened = PhotoIndex.Open(index.Folder, options))
        {
            var again = await reopened.SearchAsync(q, new SearchOptions { Limit = 10 });
            Assert.Equal(HnswOrigin.Loaded, reopened.HnswOrigin);
            Assert.Equal(after.Select(h => h.Path), again.Select(h => h.Path));
        }

        // Many changes rebuild it; a damaged file is rebuilt, never used.
        batch = new IndexBatch();
        batch.Deletes.AddRange(files.Skip(200).Select(f => f.Path));
        await index.Store.CommitAsync(batch);
        await index.SearchAsync(q, new SearchOptions { Limit = 10 });
        Assert.Equal(SearchMethod.Exact, index.LastMethod); // 402 left: below the threshold
        await index.Store.CommitAsync(Batch(files.Skip(200).Select(f => f with { Path = f.Path + ".copy" })));
        await index.SearchAsync(q, new SearchOptions { Limit = 10 });
        Assert.Equal(HnswOrigin.Built, index.HnswOrigin);

        File.WriteAllBytes(Path.Combine(index.Folder, "hnsw.usearch"), [1, 2, 3]);
        await using (var damaged = PhotoIndex.Open(index.Folder, options))
        {
            var hits = await damaged.SearchAsync(q, new SearchOptions { Limit = 10 });
            Assert.Equal(HnswOrigin.Built, damaged.HnswOrigin);
            Assert.Equal((await damaged.SearchAsync(q, new SearchOptions { Limit = 10, Exact = true })).Select(h => h.Path), hits.Select(h => h.Path));
        }
    }

    private static IndexBatch Batch(IEnumerable<IndexedFile> upserts)
    {
        var batch = new IndexBatch();
        batch.Upserts.AddRange(upserts);
        return batch;
    }

    [Fact]
    public async Task Duplicates_are_grouped_as_exact_by_hash_and_near_by_cosine()
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

    [Fact]
    public async Task Stale_vectors_of_another_model_are_left_out_of_search()
    {
        await using var index = await OpenWithAsync([Record("/p/a.jpg", Unit(1)), Record("/p/b.jpg", Unit(1, 1))]);
        var batch = new IndexBatch();
        batch.Upserts.Add(Record("/p/old.jpg", Unit(1)) with { VectorKey = "old-model|p" });
        await index.Store.CommitAsync(batch);

        var hits = await index.SearchAsync(Unit(1), new SearchOptions());

        Assert.Equal(["/p/a.jpg", "/p/b.jpg"], hits.Select(h => h.Path));
        Assert.Equal(new IndexCounts(3, 2, 1, 0), await index.Store.GetCountsAsync());
    }
}
