using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// Where `search`, `serve` and the other commands find their index, and the check that a model is the index's: one
/// library function each (<see cref="IndexStores"/>). The environment variables are process-wide, so these tests run
/// in one collection that no other test class joins.
/// </summary>
[Collection(nameof(IndexStoresTests))]
public sealed class IndexStoresTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string? _store = Environment.GetEnvironmentVariable(IndexStores.StoreEnvironmentVariable);
    private readonly string? _index = Environment.GetEnvironmentVariable(IndexStores.IndexEnvironmentVariable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(IndexStores.StoreEnvironmentVariable, _store);
        Environment.SetEnvironmentVariable(IndexStores.IndexEnvironmentVariable, _index);
        _temp.Dispose();
    }

    [Fact]
    public void Resolve_OptionsBeforeEnvironmentBeforeDefault_InTheOrderTheCommandsDocument()
    {
        Environment.SetEnvironmentVariable(IndexStores.StoreEnvironmentVariable, null);
        Environment.SetEnvironmentVariable(IndexStores.IndexEnvironmentVariable, null);
        Assert.Equal(Path.GetFullPath(PhotoIndex.DefaultFolder), IndexStores.Resolve(null, null));
        Assert.False(IndexStores.IsNamed(null, null));

        Environment.SetEnvironmentVariable(IndexStores.IndexEnvironmentVariable, _temp.Sub("from-index-env"));
        Assert.Equal(_temp.Sub("from-index-env"), IndexStores.Resolve(null, null));
        Assert.True(IndexStores.IsNamed(null, null));

        Environment.SetEnvironmentVariable(IndexStores.StoreEnvironmentVariable, _temp.Sub("from-store-env"));
        Assert.Equal(_temp.Sub("from-store-env"), IndexStores.Resolve(null, null));
        // An --index option outranks both variables; a --store option outranks everything.
        Assert.Equal(_temp.Sub("option"), IndexStores.Resolve(null, _temp.Sub("option")));
        Assert.Equal(_temp.Sub("store-option"), IndexStores.Resolve(_temp.Sub("store-option"), null));
    }

    [Fact]
    public void Resolve_AStoreAProviderRecognises_IsReturnedAsGivenNotAsAFolder()
    {
        var provider = new RecordingProvider();
        Assert.Equal("db://somewhere", IndexStores.Resolve("db://somewhere", null, [provider]));
        Assert.Equal(Path.GetFullPath("db://somewhere"), IndexStores.Resolve("db://somewhere", null));
    }

    [Fact]
    public async Task OpenAsync_AFolder_NeedsNoProviderAndAStoreGoesToItsProvider()
    {
        await using (var folder = await IndexStores.OpenAsync(_temp.Sub("index")))
        {
            Assert.IsType<PhotoIndex>(folder);
        }

        var provider = new RecordingProvider();
        await Assert.ThrowsAsync<NotSupportedException>(() => IndexStores.OpenAsync("db://somewhere", [provider]));
        Assert.Equal(["db://somewhere"], provider.Opened);
    }

    [Fact]
    public async Task OpenExistingAsync_AFolderWithoutAnIndex_IsAnErrorSayingHowToMakeOneAndCreatesNothing()
    {
        string missing = _temp.Sub("missing");
        var error = await Assert.ThrowsAsync<ClipSharpException>(() => IndexStores.OpenExistingAsync(missing, null, "clipsharp index DIR…"));

        Assert.Equal("no index here; create it with: clipsharp index DIR… --index " + missing, error.Detail);
        Assert.Equal(missing, error.Input);
        Assert.False(Directory.Exists(missing));
    }

    [SkippableFact]
    public async Task EnsureModelAsync_AnIndexOfAnotherModel_IsRefusedNamingBothModelsAndTheIndex()
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        await using var index = PhotoIndex.Open(_temp.Sub("index"));
        await index.Store.SetMetadataAsync(new IndexMetadata("content:another-model", "pre", model.EmbeddingDimension));

        var error = await Assert.ThrowsAsync<ClipSharpException>(() => IndexStores.EnsureModelAsync(index, model));

        Assert.Contains("the index was built with model content:another-model, not content:", error.Detail, StringComparison.Ordinal);
        Assert.Equal(index.Location, error.Input);
    }

    [SkippableFact]
    public async Task EnsureModelAsync_TheIndexModel_ReturnsAnEmbedderOfThatId()
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        string id = new ClipModelEmbedder(model).ModelId;
        await using var index = PhotoIndex.Open(_temp.Sub("index"));
        await index.Store.SetMetadataAsync(new IndexMetadata(id, "pre", model.EmbeddingDimension));

        var embedder = await IndexStores.EnsureModelAsync(index, model, _ => Assert.Fail("nothing to adopt"));

        Assert.Equal(id, embedder.ModelId);
    }

    /// <summary>A backend for "db://" locations that records what it was asked to open and opens nothing.</summary>
    private sealed class RecordingProvider : IIndexStoreProvider
    {
        public List<string> Opened { get; } = [];

        public bool Recognises(string location) => location.StartsWith("db://", StringComparison.Ordinal);

        public Task<IPhotoIndex> OpenAsync(string location, CancellationToken cancellationToken = default)
        {
            Opened.Add(location);
            throw new NotSupportedException("test provider");
        }
    }
}
