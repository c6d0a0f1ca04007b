using ClipSharp.Text;
using Xunit;

namespace ClipSharp.Tests.Inference;

/// <summary>
/// <see cref="ClipModel.ContentId"/> depends on what defines the embeddings (weights, external data, tokenizer,
/// preprocessing) and on nothing else: not the optimised-model cache written beside the ONNX files, not the folder's
/// name or location, not file times.
/// </summary>
public sealed class ContentIdTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("clipsharp-contentid-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>A writable copy of the micro model, so loading it writes its cache beside the ONNX files.</summary>
    private string Copy(string name = "model") => ModelFolders.WritableCopy(Golden.ModelDir("openclip"), Path.Combine(_scratch, name));

    private static string Id(string folder, ClipModelOptions? options = null)
    {
        using var model = ClipModel.Load(folder, options ?? new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = null });
        return model.ContentId;
    }

    [SkippableFact]
    public void ContentId_CacheWrittenBesideTheModelThenDeleted_StaysTheSame()
    {
        string folder = Copy();
        string before = Id(folder);
        Assert.Matches("^[0-9a-f]{64}$", before);

        using (var model = ClipModel.Load(folder, new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = null }))
        {
            model.Warm();
            Assert.Equal(before, model.ContentId);
        }

        string[] caches = Directory.GetDirectories(folder, ".clipsharp-cache", SearchOption.AllDirectories);
        Assert.Equal(2, caches.Length);
        Assert.Equal(before, Id(folder));

        foreach (string cache in caches)
        {
            Directory.Delete(cache, recursive: true);
        }

        Assert.Equal(before, Id(folder));
    }

    [SkippableFact]
    public void ContentId_FolderRenamedMovedOrTouched_StaysTheSame()
    {
        string folder = Copy("first-name");
        string before = Id(folder);

        string moved = Path.Combine(_scratch, "elsewhere", "another-name");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(folder, moved);
        foreach (string file in Directory.EnumerateFiles(moved, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }

        File.WriteAllText(Path.Combine(moved, "README.md"), "notes that do not change a vector");
        Assert.Equal(before, Id(moved));
        Assert.Equal(before, Id(Golden.ModelDir("openclip")));
    }

    [SkippableFact]
    public void ContentId_OneByteOfEitherTowersWeightsChanged_Changes()
    {
        string folder = Copy();
        string original = Id(folder);

        ModelFolders.FlipMiddleByte(Path.Combine(folder, "visual", "model.onnx"));
        string visualChanged = Id(folder);
        Assert.NotEqual(original, visualChanged);

        ModelFolders.FlipMiddleByte(Path.Combine(folder, "textual", "model.onnx"));
        Assert.NotEqual(visualChanged, Id(folder));
    }

    [SkippableFact]
    public void ContentId_ExternalDataBesideTheGraph_CountsWithItsContent()
    {
        string folder = Copy();
        string original = Id(folder);
        string data = Path.Combine(folder, "visual", "model.onnx_data");
        File.WriteAllBytes(data, new byte[4096]);
        string withData = Id(folder);
        Assert.NotEqual(original, withData);

        ModelFolders.FlipMiddleByte(data);
        Assert.NotEqual(withData, Id(folder));
    }

    [SkippableFact]
    public void ContentId_TokenizerFileOrSettingChanged_Changes()
    {
        string folder = Copy();
        string original = Id(folder);

        File.AppendAllText(Path.Combine(folder, "textual", "tokenizer.json"), " ");
        string fileChanged = Id(folder);
        Assert.NotEqual(original, fileChanged);

        var shorter = new ClipModelOptions { Tokenizer = new ClipTokenizerOptions { ContextLength = 16 } };
        Assert.NotEqual(fileChanged, Id(folder, shorter));
    }

    [SkippableFact]
    public void ContentId_PreprocessingOrModelConfigChanged_Changes()
    {
        string folder = Copy();
        string original = Id(folder);

        File.AppendAllText(Path.Combine(folder, "visual", "preprocess_cfg.json"), " ");
        string preprocessChanged = Id(folder);
        Assert.NotEqual(original, preprocessChanged);

        File.AppendAllText(Path.Combine(folder, "config.json"), " ");
        Assert.NotEqual(preprocessChanged, Id(folder));
    }
}
