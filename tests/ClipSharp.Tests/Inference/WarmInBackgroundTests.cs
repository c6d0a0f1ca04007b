using Xunit;

namespace ClipSharp.Tests.Inference;

/// <summary><see cref="ClipModelOptions.WarmInBackground"/>: sessions start loading at Load; errors reach Warm or the first call.</summary>
public sealed class WarmInBackgroundTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("clipsharp-warm-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [SkippableFact]
    public void Load_StartsBothSessions_WithoutAnyCall()
    {
        string folder = Golden.ModelDir("openclip");
        using (var lazy = ClipModel.Load(folder))
        {
            Assert.False(lazy.VisionTower.IsLoaded);
            Assert.False(lazy.TextTower.IsLoaded);
        }

        using var model = ClipModel.Load(folder, new ClipModelOptions { WarmInBackground = true });
        Assert.True(SpinWait.SpinUntil(() => model.VisionTower.IsLoaded && model.TextTower.IsLoaded, TimeSpan.FromSeconds(60)));
        model.Warm();
        float[] embedding = model.EncodeText("a photo of a cat.");
        Assert.Equal(model.EmbeddingDimension, embedding.Length);
    }

    [SkippableFact]
    public void WarmInBackground_BadVisionModel_IsReportedByWarmAndTheFirstCall()
    {
        string model = CopyModel();
        File.WriteAllText(Path.Combine(model, "visual", "model.onnx"), "not an onnx graph");
        using var clip = ClipModel.Load(model, new ClipModelOptions { WarmInBackground = true, OptimizedModelCache = false });
        var warm = Assert.Throws<ClipSharpException>(clip.Warm);
        Assert.Equal(ClipErrorKind.InvalidModel, warm.Kind);
        Assert.Contains("visual", warm.Message, StringComparison.Ordinal);
        var first = Assert.Throws<ClipSharpException>(() => clip.EncodePixels(new float[3 * clip.ImageSize * clip.ImageSize], 1, new float[clip.EmbeddingDimension]));
        Assert.Equal(ClipErrorKind.InvalidModel, first.Kind);
    }

    [SkippableFact]
    public void BadTokenizer_FailsLoad_AfterTheBackgroundSessionsSettle()
    {
        string model = CopyModel();
        File.WriteAllText(Path.Combine(model, "textual", "tokenizer.json"), "{ not json");
        var ex = Assert.Throws<ClipSharpException>(() => ClipModel.Load(model, new ClipModelOptions { WarmInBackground = true }));
        Assert.Contains("bad tokenizer", ex.Message, StringComparison.Ordinal);
    }

    private string CopyModel()
    {
        string target = Path.Combine(_scratch, "model");
        TestFolders.CopyFolder(Golden.ModelDir("openclip"), target);
        return target;
    }
}
