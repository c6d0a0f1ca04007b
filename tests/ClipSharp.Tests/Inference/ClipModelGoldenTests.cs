using Xunit;

namespace ClipSharp.Tests.Inference;

/// <summary>The ONNX towers of all three micro layouts against OpenAI's embeddings, fed the golden inputs.</summary>
public class ClipModelGoldenTests
{
    private const double MinCosine = 0.99999;

    [SkippableTheory]
    [InlineData("openclip")]
    [InlineData("openclip-static")]
    [InlineData("hf")]
    public void EncodePixels_GoldenTensors_MatchOpenAIImageEmbeddings(string layout)
    {
        using var model = ClipModel.Load(Golden.ModelDir(layout));
        string[] files = Golden.ImageFiles();
        int per = 3 * model.ImageSize * model.ImageSize;
        float[] pixels = new float[files.Length * per];
        for (int i = 0; i < files.Length; i++)
        {
            Golden.Preprocessed(files[i]).CopyTo(pixels, i * per);
        }

        float[] embeddings = new float[files.Length * model.EmbeddingDimension];
        model.EncodePixels(pixels, files.Length, embeddings);

        var (expected, shape) = Golden.Array("labels", "image_embeds_normalized.npy");
        Assert.Equal(new[] { files.Length, model.EmbeddingDimension }, shape);
        var bad = new List<string>();
        for (int i = 0; i < files.Length; i++)
        {
            int d = model.EmbeddingDimension;
            double cos = Golden.Cosine(embeddings.AsSpan(i * d, d), expected.AsSpan(i * d, d));
            if (cos < MinCosine)
            {
                bad.Add($"{files[i]}: cosine {cos:F8}");
            }
        }

        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [SkippableTheory]
    [InlineData("openclip", "labels_skimage")]
    [InlineData("openclip-static", "labels")]
    [InlineData("hf", "labels_skimage")]
    [InlineData("hf", "corpus")]
    public void EncodeTokens_GoldenIds_MatchOpenAITextEmbeddings(string layout, string set)
    {
        using var model = ClipModel.Load(Golden.ModelDir(layout));
        var (ids, shape) = Golden.Tokens(set);
        int count = shape[0];
        float[] embeddings = new float[count * model.EmbeddingDimension];
        model.EncodeTokens(ids, count, embeddings);

        var (expected, _) = Golden.Array(set, "text_embeds_normalized.npy");
        int d = model.EmbeddingDimension;
        var bad = new List<string>();
        for (int i = 0; i < count; i++)
        {
            double cos = Golden.Cosine(embeddings.AsSpan(i * d, d), expected.AsSpan(i * d, d));
            if (cos < MinCosine)
            {
                bad.Add($"text {i}: cosine {cos:F8}");
            }
        }

        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [SkippableFact]
    public void Load_MissingFolder_ThrowsNamingTheFolder()
    {
        TestData.Require();
        string path = Path.Combine(Path.GetTempPath(), "clipsharp-no-such-model-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<ClipSharpException>(() => ClipModel.Load(path));
        Assert.Equal(ClipErrorKind.InvalidModel, ex.Kind);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderOfNeitherLayout_SaysWhatWasExpectedAndFound()
    {
        string dir = Directory.CreateTempSubdirectory("clipsharp-model-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "readme.txt"), "not a model");
            var ex = Assert.Throws<ClipSharpException>(() => ClipModel.Load(dir));
            Assert.Equal(ClipErrorKind.InvalidModel, ex.Kind);
            Assert.Contains("visual/model.onnx", ex.Message, StringComparison.Ordinal);
            Assert.Contains("onnx/vision_model.onnx", ex.Message, StringComparison.Ordinal);
            Assert.Contains("readme.txt", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public void Load_OpenClipFolderMissingTextModel_ListsTheMissingFile()
    {
        string source = Golden.ModelDir("openclip");
        string dir = Directory.CreateTempSubdirectory("clipsharp-model-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "visual"));
            Directory.CreateDirectory(Path.Combine(dir, "textual"));
            File.Copy(Path.Combine(source, "visual", "model.onnx"), Path.Combine(dir, "visual", "model.onnx"));
            File.Copy(Path.Combine(source, "visual", "preprocess_cfg.json"), Path.Combine(dir, "visual", "preprocess_cfg.json"));
            File.Copy(Path.Combine(source, "textual", "tokenizer.json"), Path.Combine(dir, "textual", "tokenizer.json"));
            var ex = Assert.Throws<ClipSharpException>(() => ClipModel.Load(dir));
            Assert.Contains("missing textual/model.onnx", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public void Load_UnknownHuggingFaceVariant_ListsTheVariantsPresent()
    {
        var ex = Assert.Throws<ClipSharpException>(() => ClipModel.Load(Golden.ModelDir("hf"), new ClipModelOptions { Variant = "quantized" }));
        Assert.Contains("variant 'quantized' not found", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(plain fp32)", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Onnx_CorruptModelFile_ThrowsInvalidModelNamingTheFile()
    {
        string source = Golden.ModelDir("openclip");
        string dir = Directory.CreateTempSubdirectory("clipsharp-model-").FullName;
        try
        {
            foreach (string f in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(dir, Path.GetRelativePath(source, f));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(f, target);
            }

            File.WriteAllBytes(Path.Combine(dir, "visual", "model.onnx"), "this is not an onnx graph"u8.ToArray());
            using var model = ClipModel.Load(dir);
            var ex = Assert.Throws<ClipSharpException>(() => model.EncodePixels(new float[3 * 224 * 224], 1, new float[32]));
            Assert.Equal(ClipErrorKind.InvalidModel, ex.Kind);
            Assert.Contains(Path.Combine("visual", "model.onnx"), ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
