using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The embedded index registered with dependency injection (its own package's extension method).</summary>
public sealed class PhotoIndexServiceCollectionTests
{
    [Fact]
    public async Task AddPhotoIndex_WithAFolder_RegistersOnePhotoIndexThatStores()
    {
        using var temp = new TempFolder();
        // PhotoIndex is IAsyncDisposable only: the container must be disposed asynchronously, as hosts do.
        await using var services = new ServiceCollection().AddPhotoIndex(temp.Sub("index")).BuildServiceProvider();
        var index = services.GetRequiredService<IPhotoIndex>();
        var batch = new IndexBatch();
        batch.Upserts.Add(new IndexedFile
        {
            Path = Golden.ImagePath("chelsea.png"),
            Sha256 = "00",
            VectorKey = "k",
            Embedding = FakeClipEmbedder.VectorFor(File.ReadAllBytes(Golden.ImagePath("chelsea.png"))),
        });
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", FakeClipEmbedder.DefaultDimension));
        await index.Store.CommitAsync(batch);

        Assert.Same(index, services.GetRequiredService<IPhotoIndex>());
        Assert.IsType<PhotoIndex>(index);
        Assert.Equal(1, (await index.Store.GetCountsAsync()).Files);
    }

    [Fact]
    public void AddPhotoIndex_WithABlankFolder_IsRefusedAtRegistration()
        => Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection().AddPhotoIndex(" "));
}
