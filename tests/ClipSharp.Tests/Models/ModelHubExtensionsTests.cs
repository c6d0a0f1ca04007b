using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>Model reference → folder → loaded model, the one way the CLI and AddClipSharp load (catalog downloads are covered by the hub's own tests).</summary>
public sealed class ModelHubExtensionsTests
{
    [SkippableFact]
    public async Task LoadModelAsync_AFolder_LoadsItWithTheGivenOptions()
    {
        using var temp = new TempFolder();
        using var hub = ModelHub.Create(new ModelHubOptions { Offline = true, CacheDirectory = temp.Root });
        var budget = new ClipSharp.Imaging.DecodeMemoryBudget(1 << 20);

        using var model = await hub.LoadModelAsync(Golden.ModelDir("openclip"), new ClipModelOptions { DecodeMemory = budget });

        Assert.Equal(Path.GetFullPath(Golden.ModelDir("openclip")), model.Folder);
        Assert.Same(budget, model.DecodeMemory);
    }

    [SkippableFact]
    public void LoadLocalModel_AFolderOrAnUncachedCatalogName_LoadsTheFolderAndIsNullForTheName()
    {
        using var temp = new TempFolder();
        using var hub = ModelHub.Create(new ModelHubOptions { Offline = true, CacheDirectory = temp.Root });

        using var model = hub.LoadLocalModel(Golden.ModelDir("hf"));

        Assert.Equal(ModelLayout.HuggingFace, model!.Layout);
        Assert.Null(hub.LoadLocalModel("ViT-B-32"));
    }

    [Fact]
    public async Task LoadModelAsync_Cancelled_ThrowsWithoutLoading()
    {
        using var temp = new TempFolder();
        using var hub = ModelHub.Create(new ModelHubOptions { Offline = true, CacheDirectory = temp.Root });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hub.LoadModelAsync(Golden.ModelDir("openclip"), cancellationToken: new CancellationToken(true)));
    }
}
