using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// The model id an index records, for every backend: it is the model's content id, so caches written into a writable
/// model folder, deleting them, and moving or renaming the folder never re-embed; changed weights do. An index written
/// by the release before content ids (tests/data/fixtures/index-402108c) adopts the content id in place, in one
/// transaction, without re-embedding, and only when the old id is really this model's (recomputed from the folder, or
/// shown by re-embedding a few samples to the stored vectors).
/// </summary>
public abstract class ModelIdentityConformanceTests : IAsyncLifetime
{
    /// <summary>The photos the 402108c fixture index holds.</summary>
    private static readonly string[] s_fixturePhotos = ["grace-hopper-portrait.jpg", "pelican-cutout-rgba.png", "coins-greek-gray.png"];

    private readonly TempFolder _temp = new();

    protected abstract IndexBackend CreateBackend();

    protected IndexBackend Backend { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        _temp.Dispose();
    }

    /// <summary>Copies of the fixture's photos (at other paths than the fixture recorded).</summary>
    private string Photos()
    {
        string folder = _temp.Sub("photos");
        Directory.CreateDirectory(folder);
        foreach (string name in s_fixturePhotos)
        {
            File.Copy(TestData.Path("photos", name), Path.Combine(folder, name));
        }

        return folder;
    }

    /// <summary>A writable copy of the micro model: loading it writes its optimised-model cache beside the ONNX files.</summary>
    private string WritableModel(string name) => ModelFolders.WritableCopy(Golden.ModelDir("openclip"), _temp.Sub("models", name));

    private static ClipModel Load(string folder) => ClipModel.Load(folder, new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = null });

    private static async Task<IndexRunResult> Run(IPhotoIndex index, string modelFolder, string photos)
    {
        using var model = Load(modelFolder);
        return await new Indexer(index.Store, new ClipModelEmbedder(model)).RunAsync([photos]);
    }

    private static async Task<IReadOnlyList<SearchHit>> Search(IPhotoIndex index, string modelFolder, string text)
    {
        using var model = Load(modelFolder);
        return await index.SearchAsync(model.EncodeText(text), new SearchOptions { Limit = 3 });
    }

    private static string[] Caches(string modelFolder) => Directory.GetDirectories(modelFolder, ".clipsharp-cache", SearchOption.AllDirectories);

    /// <summary>The fixture index (a copy) migrated into this backend through the store, as the old release left it.</summary>
    private async Task<IPhotoIndex> PreviousReleaseIndexAsync()
    {
        string copy = _temp.Sub("fixture-index");
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.EnumerateFiles(Fixtures.IndexFrom402108c, "*.db"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        // Written through the store as the old release left it, the files recorded under a folder that is gone (the
        // fixture's own paths were those of a temporary folder), so only the old id can tie the index to a model.
        var index = await Backend.OpenAsync();
        await using (var previous = PhotoIndex.Open(copy))
        {
            await index.Store.SetMetadataAsync((await previous.Store.GetMetadataAsync())!);
            var batch = new IndexBatch();
            await foreach (var f in previous.Store.ListFilesAsync(true))
            {
                batch.Upserts.Add(f with { Id = 0, Path = _temp.Sub("gone", Path.GetFileName(f.Path)) });
            }

            await index.Store.CommitAsync(batch);
        }

        Assert.Equal(Fixtures.MicroOpenClipIdAt402108c, (await index.Store.GetMetadataAsync())!.ModelId);
        return index;
    }

    [SkippableFact]
    public async Task Index_WritableModelFolderGainsLosesCacheAndMoves_EmbedsNothingAndSearchesTheSame()
    {
        string model = WritableModel("micro-copy");
        string photos = Photos();
        await using var index = await Backend.OpenAsync();

        var first = await Run(index, model, photos);
        Assert.Equal(3, first.Embedded);
        var hits = await Search(index, model, "a dog");
        Assert.Equal(2, Caches(model).Length);
        string id = (await index.Store.GetMetadataAsync())!.ModelId;

        // The cache written by the first run and the search is not identity.
        var second = await Run(index, model, photos);
        Assert.Equal((0L, 0L, 3L, false), (second.Embedded, second.Reused, second.Unchanged, second.ModelChanged));

        foreach (string cache in Caches(model))
        {
            Directory.Delete(cache, recursive: true);
        }

        string moved = _temp.Sub("elsewhere", "renamed-model");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(model, moved);

        var again = await Search(index, moved, "a dog");
        Assert.Equal(hits.Select(h => h.Path), again.Select(h => h.Path));
        Assert.Equal(hits.Select(h => h.Score), again.Select(h => h.Score), (a, b) => Math.Abs(a - b) <= 1e-6f);
        var third = await Run(index, moved, photos);
        Assert.Equal((0L, 0L, 3L, false), (third.Embedded, third.Reused, third.Unchanged, third.ModelChanged));
        Assert.Null(third.AdoptedModelId);
        Assert.Equal(id, (await index.Store.GetMetadataAsync())!.ModelId);
    }

    [SkippableFact]
    public async Task Index_OneByteOfWeightsChanged_ReEmbedsEveryFile()
    {
        string model = WritableModel("micro-copy");
        string photos = Photos();
        await using var index = await Backend.OpenAsync();
        Assert.Equal(3, (await Run(index, model, photos)).Embedded);
        string id = (await index.Store.GetMetadataAsync())!.ModelId;

        ModelFolders.FlipMiddleByte(Path.Combine(model, "visual", "model.onnx"));
        var changed = await Run(index, model, photos);

        Assert.Equal((3L, true), (changed.Embedded, changed.ModelChanged));
        Assert.Null(changed.AdoptedModelId);
        Assert.NotEqual(id, (await index.Store.GetMetadataAsync())!.ModelId);
    }

    [SkippableFact]
    public async Task PreviousReleaseIndex_OpenedWithItsModelRenamedAndCached_AdoptsContentIdWithoutReEmbedding()
    {
        await using var index = await PreviousReleaseIndexAsync();
        var before = await Files(index);
        string model = WritableModel("renamed-micro");
        using (var warm = Load(model))
        {
            warm.Warm();
        }

        Assert.Equal(2, Caches(model).Length);
        string photos = Photos();
        var result = await Run(index, model, photos);

        string contentId;
        using (var clip = Load(model))
        {
            contentId = new ClipModelEmbedder(clip).ModelId;

            // The adopted id is right: the model embeds these photos as the old index stored them.
            foreach (var r in clip.EncodeImageFiles(s_fixturePhotos.Select(p => Path.Combine(photos, p)), fastJpegDecode: true))
            {
                float[] stored = (await index.Store.GetByPathAsync(r.Path, true))!.Embedding!;
                Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(stored, r.Embedding!) > 0.9999f, r.Path);
            }
        }

        Assert.Equal(new ModelIdAdoption(Fixtures.MicroOpenClipIdAt402108c, contentId), result.AdoptedModelId);
        Assert.Equal((0L, 3L, false), (result.Embedded, result.Reused, result.ModelChanged));
        var meta = (await index.Store.GetMetadataAsync())!;
        Assert.Equal(contentId, meta.ModelId);
        var after = await Files(index);
        Assert.All(after.Values, f => Assert.Equal(meta.VectorKey, f.VectorKey));
        foreach (var (path, file) in before)
        {
            Assert.Equal(Backend.AsStored(file.Embedding!), after[path].Embedding);
        }

        Assert.Equal(0, (await index.Store.GetCountsAsync()).Stale);
        Assert.Null((await Run(index, model, photos)).AdoptedModelId);
    }

    [SkippableFact]
    public async Task PreviousReleaseIndex_OpenedWithChangedWeightsAndNoFileToCompare_IsNotAdoptedAndReEmbeds()
    {
        await using var index = await PreviousReleaseIndexAsync();
        string model = WritableModel("openclip");
        ModelFolders.FlipMiddleByte(Path.Combine(model, "visual", "model.onnx"));

        var result = await Run(index, model, Photos());

        Assert.Null(result.AdoptedModelId);
        Assert.Equal((3L, true), (result.Embedded, result.ModelChanged));
    }

    [SkippableFact]
    public async Task PreviousReleaseIndex_OldIdNotRecomputable_IsTiedByItsVectorsAndAdopted()
    {
        string model = WritableModel("micro-copy");
        string photos = Photos();
        await using var index = await Backend.OpenAsync();
        Assert.Equal(3, (await Run(index, model, photos)).Embedded);
        // As an old release left it when the cache entries its id took in were later replaced.
        string contentId = (await index.Store.GetMetadataAsync())!.ModelId;
        Assert.True(await index.Store.ReplaceModelIdAsync(contentId, "micro-copy@ffffffffffffffff"));

        var result = await Run(index, model, photos);

        Assert.Equal(new ModelIdAdoption("micro-copy@ffffffffffffffff", contentId), result.AdoptedModelId);
        Assert.Equal((0L, 3L, false), (result.Embedded, result.Unchanged, result.ModelChanged));
    }

    [SkippableFact]
    public async Task Adopt_OldIdWhoseVectorsAnotherModelMade_IsNotAdoptedAndReEmbeds()
    {
        string photos = Photos();
        await using var index = await Backend.OpenAsync();
        await new Indexer(index.Store, new FakeClipEmbedder { ModelId = "fake@0123456789abcdef" }).RunAsync([photos]);

        var other = new FakeClipEmbedder { ModelId = "content:other", Weights = 7 };
        var result = await new Indexer(index.Store, other).RunAsync([photos]);

        Assert.Null(result.AdoptedModelId);
        Assert.Equal((3L, true), (result.Embedded, result.ModelChanged));
    }

    [SkippableFact]
    public async Task Adopt_OldIdWithSameVectors_AdoptsAfterEmbeddingOnlyTheSamples()
    {
        string photos = Photos();
        await using var index = await Backend.OpenAsync();
        await new Indexer(index.Store, new FakeClipEmbedder { ModelId = "fake@0123456789abcdef" }).RunAsync([photos]);

        var same = new FakeClipEmbedder { ModelId = "content:same" };
        var result = await new Indexer(index.Store, same).RunAsync([photos]);

        Assert.Equal(new ModelIdAdoption("fake@0123456789abcdef", "content:same"), result.AdoptedModelId);
        Assert.Equal((0L, 3L, false), (result.Embedded, result.Unchanged, result.ModelChanged));
        Assert.Equal(ModelIdUpgrade.SampleSize, same.EmbedCount);
    }

    [SkippableFact]
    public async Task Adopt_OldIdWithEverySampleChangedOnDisk_IsNotTiedByVectors()
    {
        string photos = Photos();
        await using var index = await Backend.OpenAsync();
        await new Indexer(index.Store, new FakeClipEmbedder { ModelId = "fake@0123456789abcdef" }).RunAsync([photos]);
        foreach (string file in Directory.EnumerateFiles(photos))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        }

        var same = new FakeClipEmbedder { ModelId = "content:same" };
        Assert.Null(await ModelIdUpgrade.AdoptAsync(index.Store, same));
        Assert.Equal(0, same.EmbedCount);

        // The first rule needs no file: the embedder recognises its own former id.
        var recognising = new FakeClipEmbedder { ModelId = "content:same", FormerModelIds = new HashSet<string> { "fake@0123456789abcdef" } };
        Assert.Equal(new ModelIdAdoption("fake@0123456789abcdef", "content:same"), await ModelIdUpgrade.AdoptAsync(index.Store, recognising));
        Assert.Equal(0, recognising.EmbedCount);
    }

    [SkippableFact]
    public async Task ReplaceModelId_FormerIdRecorded_RekeysCurrentFilesAndFailuresInOneStep()
    {
        await using var index = await Backend.OpenAsync();
        var store = index.Store;
        const string Former = "photos-model@0123456789abcdef";
        await store.SetMetadataAsync(new IndexMetadata(Former, "p", 2));
        var batch = new IndexBatch();
        batch.Upserts.Add(StoreConformanceTests.File("/current.jpg", 0.25f, Former + "|p"));
        batch.Upserts.Add(StoreConformanceTests.File("/stale.jpg", 0.5f, "older@1111111111111111|p"));
        batch.Failures.Add(new IndexFailure("/broken.jpg", "corrupt image: no end", 5, DateTime.UnixEpoch, Former + "|p"));
        await store.CommitAsync(batch);
        long generation = await store.GetGenerationAsync();

        Assert.False(await store.ReplaceModelIdAsync("another@fedcba9876543210", "content:new"));
        Assert.Equal(Former, (await store.GetMetadataAsync())!.ModelId);
        Assert.True(await store.ReplaceModelIdAsync(Former, "content:new"));

        Assert.Equal(new IndexMetadata("content:new", "p", 2) { SchemaVersion = (await store.GetMetadataAsync())!.SchemaVersion }, await store.GetMetadataAsync());
        var current = (await store.GetByPathAsync("/current.jpg", true))!;
        Assert.Equal("content:new|p", current.VectorKey);
        Assert.Equal(Backend.AsStored([0.25f, 0.75f]), current.Embedding);
        Assert.Equal("older@1111111111111111|p", (await store.GetByPathAsync("/stale.jpg", false))!.VectorKey);
        Assert.Equal("content:new|p", (await store.ListFailuresAsync().SingleAsync()).VectorKey);
        Assert.Equal(new IndexCounts(2, 1, 1, 1), await store.GetCountsAsync());
        Assert.True(await store.GetGenerationAsync() > generation);
        Assert.False(await store.ReplaceModelIdAsync(Former, "content:new"));
    }

    private static async Task<Dictionary<string, IndexedFile>> Files(IPhotoIndex index)
    {
        var all = new Dictionary<string, IndexedFile>(StringComparer.Ordinal);
        await foreach (var f in index.Store.ListFilesAsync(true))
        {
            all.Add(f.Path, f);
        }

        return all;
    }
}
