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
            TestFolders.CopyFolder(source, dir);

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

/// <summary>Behaviour of the model options against the golden outputs.</summary>
public class ClipModelOptionsTests
{
    [SkippableFact]
    public void EncodeTexts_HuggingFaceDynamicLength_TrimmedToRealTokensGivesTheSameEmbeddings()
    {
        string[] texts = Golden.Texts("labels_skimage");
        using var trimmed = ClipModel.Load(Golden.ModelDir("hf"));
        using var full = ClipModel.Load(Golden.ModelDir("hf"), new ClipModelOptions { TrimTextPadding = false });

        float[][] a = trimmed.EncodeTexts(texts);
        float[][] b = full.EncodeTexts(texts);

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.True(Golden.Cosine(a[i], b[i]) >= 0.9999999, texts[i]);
            for (int j = 0; j < a[i].Length; j++)
            {
                Assert.Equal(b[i][j], a[i][j], 1e-6f);
            }
        }
    }

    [SkippableFact]
    public void Classify_FolderDeclaringItsLogitScale_UsesIt()
    {
        // The random micro model's own scale is 14.2857; golden "probs" are model(image, text) at that scale.
        string source = Golden.ModelDir("openclip");
        string dir = Directory.CreateTempSubdirectory("clipsharp-model-").FullName;
        try
        {
            TestFolders.CopyFolder(source, dir);

            File.WriteAllText(Path.Combine(dir, "config.json"), """{"embed_dim": 32, "logit_scale": 14.285714149475098}""");
            using var model = ClipModel.Load(dir);
            Assert.Equal(14.285714f, model.LogitScale, 5);
            var classifier = ZeroShotClassifier.Create(model, ["dog", "cat", "bird"], new ZeroShotOptions { Templates = ["a photo of a {}"] });
            double[][] expected = Golden.ProbsMatrix("labels", "probs");
            string[] files = Golden.ImageFiles();
            for (int i = 0; i < files.Length; i++)
            {
                var result = classifier.Classify(Golden.ImagePath(files[i]));
                for (int j = 0; j < 3; j++)
                {
                    Assert.Equal(expected[i][j], result.Scores[j].Probability, 1e-4);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public void ZeroShot_Ensemble_IsTheRenormalisedMeanOfNormalisedPromptEmbeddings()
    {
        using var model = ClipModel.Load(Golden.ModelDir("hf"));
        string[] templates = ["a photo of a {}.", "a drawing of a {}.", "itap of a {}."];
        var classifier = ZeroShotClassifier.Create(model, ["dog", "cat"], new ZeroShotOptions { Templates = templates });

        for (int c = 0; c < 2; c++)
        {
            string label = c == 0 ? "dog" : "cat";
            float[][] prompts = model.EncodeTexts(templates.Select(t => PromptTemplates.Fill(t, label)).ToArray());
            double[] mean = new double[model.EmbeddingDimension];
            foreach (float[] p in prompts)
            {
                double norm = Math.Sqrt(p.Sum(v => (double)v * v));
                for (int k = 0; k < mean.Length; k++)
                {
                    mean[k] += p[k] / norm / prompts.Length;
                }
            }

            double meanNorm = Math.Sqrt(mean.Sum(v => v * v));
            var actual = classifier.ClassEmbedding(c);
            for (int k = 0; k < mean.Length; k++)
            {
                Assert.Equal(mean[k] / meanNorm, actual[k], 1e-6);
            }
        }
    }

    [SkippableFact]
    public void PromptTemplates_ImageNet80_EqualOpenAIsList()
    {
        string[] expected = File.ReadAllLines(TestData.Path("zeroshot", "imagenet_templates.txt"));
        Assert.Equal(expected, PromptTemplates.ImageNet80);
    }
}
