using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// Recognising the model ids the release before content ids wrote (<see cref="LegacyModelId"/>), against ids that
/// release really produced: <see cref="Fixtures.MicroOpenClipIdAt402108c"/> (the micro model as it ships) and
/// <see cref="IdWithFakeCacheEntry"/>.
/// </summary>
public sealed class LegacyModelIdTests : IDisposable
{
    /// <summary>
    /// What ClipSharp 402108c recorded (`clipsharp index … --model COPY`) for a writable copy of models/micro/openclip
    /// named fake-1 holding, before the run, the cache entry <see cref="AddFakeCacheEntry"/> writes: its old id took in
    /// whatever the cache held. (Two copies gave the same id; the entries that run wrote itself came after the id.)
    /// </summary>
    private const string IdWithFakeCacheEntry = "fake-1@5f225f307090f5d0";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void AddFakeCacheEntry(string model)
    {
        string entry = Path.Combine(model, "visual", ".clipsharp-cache", "model.onnx-00000000000000000000");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "entry.json"), "{\"files\":[]}");
        File.WriteAllText(Path.Combine(entry, "model.onnx"), "not a graph");
    }

    private string WritableModel(string name) => ModelFolders.WritableCopy(Golden.ModelDir("openclip"), _temp.Sub(name));

    private static bool IsFormer(string model, string id)
    {
        using var clip = ClipModel.Load(model, new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = null });
        clip.Warm();
        return new ClipModelEmbedder(clip).IsFormerModelId(id);
    }

    [SkippableFact]
    public void IsFormerModelId_PreviousReleasesIdOfARenamedFolderWithACache_IsRecognised()
    {
        string model = WritableModel("any-name");
        Assert.True(IsFormer(model, Fixtures.MicroOpenClipIdAt402108c));
        Assert.NotEmpty(Directory.GetDirectories(model, ".clipsharp-cache", SearchOption.AllDirectories));
        Assert.True(IsFormer(model, "another-name@" + Fixtures.MicroOpenClipIdAt402108c.Split('@')[1]));
        Assert.True(IsFormer(Golden.ModelDir("openclip"), Fixtures.MicroOpenClipIdAt402108c));
    }

    [SkippableFact]
    public void IsFormerModelId_IdTakenWhileACacheEntryExisted_IsRecognisedWhileThatEntryRemains()
    {
        string model = WritableModel("fake-1");
        AddFakeCacheEntry(model);
        // The load writes real entries beside the fake one: the id is still found among the combinations.
        Assert.True(IsFormer(model, IdWithFakeCacheEntry));
        Assert.True(IsFormer(model, Fixtures.MicroOpenClipIdAt402108c));

        // The documented limit: with the entry it hashed gone, the old id cannot be recomputed.
        Directory.Delete(Path.Combine(model, "visual", ".clipsharp-cache", "model.onnx-00000000000000000000"), recursive: true);
        Assert.False(IsFormer(model, IdWithFakeCacheEntry));
    }

    [SkippableFact]
    public void IsFormerModelId_ChangedWeightsOrOtherIds_AreNotRecognised()
    {
        string model = WritableModel("openclip");
        Assert.False(IsFormer(model, "openclip@0000000000000000"));
        Assert.False(IsFormer(model, "openclip@59D598697265B2AF"));
        Assert.False(IsFormer(model, "59d598697265b2af"));
        Assert.False(IsFormer(model, "content:59d598697265b2af59d598697265b2af"));
        Assert.False(IsFormer(model, ""));

        ModelFolders.FlipMiddleByte(Path.Combine(model, "visual", "model.onnx"));
        Assert.False(IsFormer(model, Fixtures.MicroOpenClipIdAt402108c));
    }

    [SkippableFact]
    public async Task PreviousReleaseIndex_OpenedInPlace_AdoptsContentIdAndKeepsEveryVector()
    {
        string folder = _temp.Sub("index");
        Directory.CreateDirectory(folder);
        File.Copy(Fixtures.Path("index-402108c", SqliteIndexStore.DatabaseFileName), Path.Combine(folder, SqliteIndexStore.DatabaseFileName));
        await using var index = PhotoIndex.Open(folder);
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var embedder = new ClipModelEmbedder(model);

        var adopted = await ModelIdUpgrade.AdoptAsync(index.Store, embedder);

        Assert.Equal(new ModelIdAdoption(Fixtures.MicroOpenClipIdAt402108c, embedder.ModelId), adopted);
        Assert.Contains(Fixtures.MicroOpenClipIdAt402108c, adopted!.Message, StringComparison.Ordinal);
        Assert.Equal(new IndexCounts(3, 3, 0, 0), await index.Store.GetCountsAsync());
        var hits = await index.SearchAsync(model.EncodeText("a dog"), new SearchOptions { Limit = 3 });
        Assert.Equal(3, hits.Count);
        Assert.Null(await ModelIdUpgrade.AdoptAsync(index.Store, embedder));
    }
}
