using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The store contract, for every backend: upserts keyed by path, atomic batches, failures, metadata, sharing.</summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    protected abstract IndexBackend CreateBackend();

    protected IndexBackend Backend { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Backend.DisposeAsync();

    internal static IndexedFile File(string path, float value, string key = "m|p") => new()
    {
        Path = path,
        Size = 10,
        ModifiedUtc = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567),
        Sha256 = "sha-" + path,
        Width = 4,
        Height = 3,
        TakenAt = new DateTime(2020, 1, 2, 3, 4, 5),
        VectorKey = key,
        Embedding = [value, 1 - value],
    };

    [SkippableFact]
    public async Task Store_NewIndex_IsEmptyAndRoundTripsMetadata()
    {
        await using var index = await Backend.OpenAsync();
        Assert.Null(await index.Store.GetMetadataAsync());
        Assert.Equal(new IndexCounts(0, 0, 0, 0), await index.Store.GetCountsAsync());
        await index.Store.SetMetadataAsync(new IndexMetadata("model", "pre", 2, "/models/x"));
        var meta = await index.Store.GetMetadataAsync();
        // The schema version is the backend's (an embedded float32 index records 1, the oldest that reads it).
        Assert.Equal(new IndexMetadata("model", "pre", 2, "/models/x") { SchemaVersion = meta!.SchemaVersion }, meta);
        Assert.Equal("model|pre", meta!.VectorKey);
        Assert.True(meta.SchemaVersion >= 1);
    }

    [SkippableFact]
    public async Task MarkStale_IndexedRecord_LeavesItOutOfSearchCountsItStaleAndReportsOnlyTheFirstMark()
    {
        await using var index = await Backend.OpenAsync();
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", 2));
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.25f));
        batch.Upserts.Add(File("/b.jpg", 0.75f));
        await index.Store.CommitAsync(batch);
        long a = (await index.Store.GetByPathAsync("/a.jpg", false))!.Id;
        long generation = await index.Store.GetGenerationAsync();

        Assert.True(await index.Store.MarkStaleAsync(a));
        Assert.False(await index.Store.MarkStaleAsync(a));
        Assert.False(await index.Store.MarkStaleAsync(a + 1000));

        Assert.NotEqual(generation, await index.Store.GetGenerationAsync());
        Assert.Equal(new IndexCounts(2, 1, 1, 0), await index.Store.GetCountsAsync());
        var hits = await index.SearchAsync(new float[] { 0.25f, 0.75f }, new SearchOptions { Limit = 10, Exact = true });
        Assert.Equal(["/b.jpg"], hits.Select(h => h.Path));
        // The record stays, with its file facts, until the next indexing run embeds the file again.
        var marked = await index.Store.GetByPathAsync("/a.jpg", true);
        Assert.Equal(10, marked!.Size);
        Assert.NotEqual("m|p", marked.VectorKey);
    }

    [SkippableFact]
    public async Task Search_Hits_CarryTheFileSizeAndModificationTimeOfTheRecord()
    {
        await using var index = await Backend.OpenAsync();
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", 2));
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.25f) with { Size = 1234 });
        await index.Store.CommitAsync(batch);

        var hit = Assert.Single(await index.SearchAsync(new float[] { 0.25f, 0.75f }, new SearchOptions { Limit = 10 }));
        Assert.Equal(1234, hit.Size);
        Assert.Equal(File("/a.jpg", 0f).ModifiedUtc, hit.ModifiedUtc);
        Assert.Equal(DateTimeKind.Utc, hit.ModifiedUtc.Kind);
        Assert.Equal(hit.TakenAt, hit.Date);
    }

    [SkippableFact]
    public async Task Upsert_SamePathTwice_KeepsTheIdAndRoundTripsEveryField()
    {
        await using var store = (await Backend.OpenAsync()).Store;
        await store.SetMetadataAsync(new IndexMetadata("m", "p", 2));
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.25f));
        await store.CommitAsync(batch);
        var first = await store.GetByPathAsync("/a.jpg", true);

        batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.75f));
        await store.CommitAsync(batch);
        var second = await store.GetByPathAsync("/a.jpg", true);

        Assert.Equal(first!.Id, second!.Id);
        Assert.Equal(File("/a.jpg", 0.75f) with { Id = first.Id, Embedding = second.Embedding }, second);
        Assert.Equal([0.75f, 0.25f], second.Embedding!);
        Assert.Equal(1, (await store.GetCountsAsync()).Files);
        Assert.Single(await store.GetBySha256Async("sha-/a.jpg"));
        var byId = await store.GetByIdAsync(second.Id, true);
        Assert.Equal(second.Embedding, byId!.Embedding);
        Assert.Equal(second, byId with { Embedding = second.Embedding });
        Assert.Null(await store.GetByIdAsync(second.Id + 1, false));
        Assert.Null((await store.GetByPathAsync("/a.jpg", false))!.Embedding);
    }

    [SkippableFact]
    public async Task Commit_BatchFailingMidway_LeavesNothingBehind()
    {
        await using var store = (await Backend.OpenAsync()).Store;
        long generation = await store.GetGenerationAsync();
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.1f));
        batch.Upserts.Add(File("/b.jpg", 0.1f) with { Embedding = null });

        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(batch));

        Assert.Equal(0, (await store.GetCountsAsync()).Files);
        Assert.Equal(generation, await store.GetGenerationAsync());
    }

    [SkippableFact]
    public async Task Commit_FailureThenSuccess_ReplacesTheRecordThenClearsTheFailure()
    {
        await using var store = (await Backend.OpenAsync()).Store;
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.1f));
        await store.CommitAsync(batch);

        batch = new IndexBatch();
        batch.Failures.Add(new IndexFailure("/a.jpg", "corrupt image: truncated", 10, DateTime.UnixEpoch, "m|p"));
        await store.CommitAsync(batch);
        Assert.Null(await store.GetByPathAsync("/a.jpg", false));
        Assert.Equal(new IndexCounts(0, 0, 0, 1), await store.GetCountsAsync());
        var failures = new List<IndexFailure>();
        await foreach (var f in store.ListFailuresAsync())
        {
            failures.Add(f);
        }

        Assert.Equal([new IndexFailure("/a.jpg", "corrupt image: truncated", 10, DateTime.UnixEpoch, "m|p")], failures);

        batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.1f));
        await store.CommitAsync(batch);
        Assert.Equal(1, (await store.GetCountsAsync()).Files);
        Assert.Equal(0, (await store.GetCountsAsync()).Failed);

        batch = new IndexBatch();
        batch.Deletes.Add("/a.jpg");
        await store.CommitAsync(batch);
        Assert.Equal(new IndexCounts(0, 0, 0, 0), await store.GetCountsAsync());
    }

    [SkippableFact]
    public async Task ListFiles_ManyPages_IsInOrdinalPathOrderAndCommitsMoveTheGeneration()
    {
        await using var store = (await Backend.OpenAsync()).Store;
        long g0 = await store.GetGenerationAsync();
        var paths = Enumerable.Range(0, 2100).Select(i => $"/p/{(i % 3 == 0 ? "B" : "a")}{i:D5}.jpg").ToList();
        for (int i = 0; i < paths.Count; i += 700)
        {
            var batch = new IndexBatch();
            batch.Upserts.AddRange(paths.Skip(i).Take(700).Select(p => File(p, 0.5f)));
            await store.CommitAsync(batch);
        }

        Assert.True(await store.GetGenerationAsync() > g0);
        var listed = new List<string>();
        await foreach (var f in store.ListFilesAsync(false))
        {
            listed.Add(f.Path);
        }

        Assert.Equal(paths.Order(StringComparer.Ordinal), listed);
    }

    [SkippableFact]
    public async Task Store_TwoInstancesOfOneIndex_SeeEachOthersWrites()
    {
        await using var writer = await Backend.OpenAsync("shared");
        await using var reader = await Backend.OpenAsync("shared");
        await writer.Store.SetMetadataAsync(new IndexMetadata("m", "p", 2));
        Assert.Equal("m", (await reader.Store.GetMetadataAsync())!.ModelId);
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.9f));
        await writer.Store.CommitAsync(batch);

        var hits = await reader.SearchAsync(new float[] { 0.9f, 0.1f }, new SearchOptions());
        Assert.Equal(["/a.jpg"], hits.Select(h => h.Path));

        batch = new IndexBatch();
        batch.Upserts.Add(File("/b.jpg", 0.1f));
        await reader.Store.CommitAsync(batch);
        Assert.Equal(2, (await writer.Store.GetCountsAsync()).Files);
        Assert.Equal(["/b.jpg", "/a.jpg"], (await writer.SearchAsync(new float[] { 0.1f, 0.9f }, new SearchOptions())).Select(h => h.Path));
    }
}
