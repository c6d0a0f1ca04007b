using Xunit;

namespace ClipSharp.Tests.Inference;

/// <summary>
/// The optimised-model cache: the first load writes an entry per tower, later loads use it, and the embeddings are the
/// same as without the cache (bit for bit) and as OpenAI's golden ones. Damaged, stale and half-written entries are
/// never used; a disabled cache writes nothing.
/// </summary>
public sealed class OptimizedModelCacheTests : IDisposable
{
    private const double MinCosine = 0.99999;
    private readonly string _scratch = Directory.CreateTempSubdirectory("clipsharp-optcache-").FullName;

    public void Dispose()
    {
        foreach (string dir in Directory.EnumerateDirectories(_scratch, "*", SearchOption.AllDirectories))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(_scratch, recursive: true);
    }

    private string Cache => Path.Combine(_scratch, "cache");

    private ClipModelOptions WithCache(string? directory = null) => new() { OptimizedModelCache = true, OptimizedModelCacheDirectory = directory ?? Cache };

    [SkippableTheory]
    [InlineData("openclip")]
    [InlineData("openclip-static")]
    [InlineData("hf")]
    public void SecondLoad_UsesTheEntryTheFirstWrote_WithIdenticalEmbeddings(string layout)
    {
        string folder = Golden.ModelDir(layout);
        Result uncached = Embed(folder, new ClipModelOptions { OptimizedModelCache = false }, OptimizedModelCacheUse.Disabled);
        Assert.False(Directory.Exists(Cache));

        Result first = Embed(folder, WithCache(), OptimizedModelCacheUse.Written);
        Assert.Equal(2, Entries().Length);
        foreach (string entry in Entries())
        {
            Assert.True(File.Exists(Path.Combine(entry, OptimizedModelCache.GraphFileName)));
            Assert.True(File.Exists(Path.Combine(entry, OptimizedModelCache.DataFileName)));
            Assert.True(File.Exists(Path.Combine(entry, OptimizedModelCache.ManifestFileName)));
        }

        var written = Entries().ToDictionary(e => e, e => File.GetLastWriteTimeUtc(Path.Combine(e, OptimizedModelCache.ManifestFileName)));
        Result second = Embed(folder, WithCache(), OptimizedModelCacheUse.Loaded);

        // Loaded, not rewritten: the same entries, untouched.
        Assert.Equal(written, Entries().ToDictionary(e => e, e => File.GetLastWriteTimeUtc(Path.Combine(e, OptimizedModelCache.ManifestFileName))));
        Assert.Equal(uncached.Images, first.Images);
        Assert.Equal(uncached.Images, second.Images);
        Assert.Equal(uncached.Texts, second.Texts);
        AssertGolden(second, layout);
    }

    [SkippableFact]
    public void OptimizedModelCache_EntryWithDamagedGraph_IsIgnoredAndRewritten()
    {
        string folder = Golden.ModelDir("openclip");
        Embed(folder, WithCache(), OptimizedModelCacheUse.Written);
        foreach (string entry in Entries())
        {
            string graph = Path.Combine(entry, OptimizedModelCache.GraphFileName);
            File.WriteAllBytes(graph, new byte[new FileInfo(graph).Length]);
        }

        Result repaired = Embed(folder, WithCache(), OptimizedModelCacheUse.Written);
        AssertGolden(repaired, "openclip");
        AssertGolden(Embed(folder, WithCache(), OptimizedModelCacheUse.Loaded), "openclip");
    }

    [SkippableFact]
    public void EntryOnnxRuntimeRefuses_ThoughItsManifestMatches_IsDiscardedAndRewritten()
    {
        string folder = Golden.ModelDir("openclip");
        Embed(folder, WithCache(), OptimizedModelCacheUse.Written);
        foreach (string entry in Entries())
        {
            // Garbage with a manifest that vouches for it: only ONNX Runtime can tell, and the load must survive that.
            File.WriteAllText(Path.Combine(entry, OptimizedModelCache.GraphFileName), "not an onnx graph");
            string manifest = Path.Combine(entry, OptimizedModelCache.ManifestFileName);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
            json["graphSize"] = "not an onnx graph".Length;
            json["graphSha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("not an onnx graph"u8));
            File.WriteAllText(manifest, json.ToJsonString());
        }

        AssertGolden(Embed(folder, WithCache(), OptimizedModelCacheUse.Written), "openclip");
        AssertGolden(Embed(folder, WithCache(), OptimizedModelCacheUse.Loaded), "openclip");
    }

    [SkippableFact]
    public void OptimizedModelCache_EntryWithTruncatedWeights_IsIgnoredAndRewritten()
    {
        string folder = Golden.ModelDir("hf");
        Embed(folder, WithCache(), OptimizedModelCacheUse.Written);
        foreach (string entry in Entries())
        {
            using var data = new FileStream(Path.Combine(entry, OptimizedModelCache.DataFileName), FileMode.Open);
            data.SetLength(data.Length / 2);
        }

        AssertGolden(Embed(folder, WithCache(), OptimizedModelCacheUse.Written), "hf");
        AssertGolden(Embed(folder, WithCache(), OptimizedModelCacheUse.Loaded), "hf");
    }

    [SkippableFact]
    public void OptimizedModelCache_Disabled_WritesNothing()
    {
        string model = CopyModel("openclip");
        var options = new ClipModelOptions { OptimizedModelCache = false, OptimizedModelCacheDirectory = null, OptimizedModelCacheUserRoot = Path.Combine(_scratch, "user") };
        Embed(model, options, OptimizedModelCacheUse.Disabled);
        Embed(model, new ClipModelOptions { OptimizedModelCache = false, OptimizedModelCacheDirectory = Cache }, OptimizedModelCacheUse.Disabled);
        Assert.False(Directory.Exists(Cache));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "user")));
        Assert.Empty(Directory.EnumerateDirectories(model, OptimizedModelCache.BesideFolderName, SearchOption.AllDirectories));
    }

    [SkippableFact]
    public void OptimizedModelCache_WritableModelFolder_IsWrittenBesideTheModel()
    {
        string model = CopyModel("openclip");
        var options = new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = null, OptimizedModelCacheUserRoot = Path.Combine(_scratch, "user") };
        Embed(model, options, OptimizedModelCacheUse.Written);
        Assert.Single(Directory.GetDirectories(Path.Combine(model, "visual", OptimizedModelCache.BesideFolderName)));
        Assert.Single(Directory.GetDirectories(Path.Combine(model, "textual", OptimizedModelCache.BesideFolderName)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "user")));
        AssertGolden(Embed(model, options, OptimizedModelCacheUse.Loaded), "openclip");
    }

    [SkippableFact]
    public void OptimizedModelCache_ReadOnlyModelFolder_IsWrittenToTheUserCache()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("Unix permission bits");
        }

        string model = CopyModel("openclip");
        foreach (string dir in new[] { Path.Combine(model, "visual"), Path.Combine(model, "textual") })
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }

        string user = Path.Combine(_scratch, "user");
        var options = new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = null, OptimizedModelCacheUserRoot = user };
        Embed(model, options, OptimizedModelCacheUse.Written);
        Assert.Empty(Directory.EnumerateDirectories(model, OptimizedModelCache.BesideFolderName, SearchOption.AllDirectories));
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(user, "optimized")).Length);
        AssertGolden(Embed(model, options, OptimizedModelCacheUse.Loaded), "openclip");
    }

    [SkippableFact]
    public void OptimizedModelCache_ModelFileChanged_GetsANewEntryAndRemovesTheStaleOne()
    {
        string model = CopyModel("openclip");
        Embed(model, WithCache(), OptimizedModelCacheUse.Written);
        string[] before = Entries();
        File.SetLastWriteTimeUtc(Path.Combine(model, "visual", "model.onnx"), DateTime.UtcNow.AddMinutes(-5));

        using (var clip = ClipModel.Load(model, WithCache()))
        {
            clip.Warm();
            Assert.Equal(OptimizedModelCacheUse.Written, clip.VisionTower.CacheUse);
            Assert.Equal(OptimizedModelCacheUse.Loaded, clip.TextTower.CacheUse);
        }

        // The text tower's entry is kept, the vision tower's stale one replaced.
        string[] after = Entries();
        Assert.Equal(2, after.Length);
        Assert.Single(after.Except(before));
        Assert.Single(after.Intersect(before));
    }

    [SkippableFact]
    public void OptimizedModelCache_EntryOfAnOlderFormat_IsRemovedOnTheNextWrite()
    {
        string model = CopyModel("openclip");
        Embed(model, WithCache(), OptimizedModelCacheUse.Written);
        // What an older ClipSharp left: the same model's entry under another key, its manifest one format behind.
        string current = Entries()[0];
        string older = Path.Combine(Cache, Path.GetFileName(current)[..^4] + "0ld0");
        TestFolders.CopyFolder(current, older);
        string manifest = Path.Combine(older, OptimizedModelCache.ManifestFileName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        json["format"] = json["format"]!.GetValue<int>() - 1;
        File.WriteAllText(manifest, json.ToJsonString());
        foreach (string entry in Entries().Where(e => e != older))
        {
            Directory.Delete(entry, recursive: true);
        }

        AssertGolden(Embed(model, WithCache(), OptimizedModelCacheUse.Written), "openclip");
        Assert.False(Directory.Exists(older));
        Assert.Equal(2, Entries().Length);
    }

    [SkippableFact]
    public void OptimizedModelCache_HalfWrittenEntryOfACrashedWriter_IsNeverUsedAndCleanedUp()
    {
        string model = CopyModel("openclip");
        Directory.CreateDirectory(Cache);
        // What a writer killed mid-way leaves: a temporary folder with a partial graph, never renamed into place.
        string crashed = Path.Combine(Cache, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(crashed);
        File.WriteAllBytes(Path.Combine(crashed, OptimizedModelCache.GraphFileName), new byte[100]);
        Directory.SetLastWriteTimeUtc(crashed, DateTime.UtcNow.AddHours(-2));

        AssertGolden(Embed(model, WithCache(), OptimizedModelCacheUse.Written), "openclip");
        Assert.False(Directory.Exists(crashed));
        Assert.Empty(Directory.GetDirectories(Cache, ".tmp-*"));
    }

    [SkippableFact]
    public void OptimizedModelCache_FourConcurrentLoads_AllSucceedLeavingOneEntryPerTower()
    {
        string folder = Golden.ModelDir("openclip");
        var results = new Result[4];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = Embed(folder, WithCache(), null));
        foreach (var r in results)
        {
            Assert.Equal(results[0].Images, r.Images);
            Assert.Equal(results[0].Texts, r.Texts);
        }

        Assert.Equal(2, Entries().Length);
        Assert.Empty(Directory.GetDirectories(Cache, ".tmp-*"));
        Embed(folder, WithCache(), OptimizedModelCacheUse.Loaded);
    }

    private string[] Entries() => Directory.Exists(Cache)
        ? Directory.GetDirectories(Cache).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
        : [];

    private string CopyModel(string layout)
    {
        string target = Path.Combine(_scratch, "model-" + layout);
        TestFolders.CopyFolder(Golden.ModelDir(layout), target);
        return target;
    }

    private sealed record Result(float[] Images, float[] Texts, int Dimension);

    /// <summary>Loads the model, checks how both towers were created, and embeds the golden pixels and token ids.</summary>
    private static Result Embed(string folder, ClipModelOptions options, OptimizedModelCacheUse? expected)
    {
        using var model = ClipModel.Load(folder, options);
        model.Warm();
        if (expected is { } use)
        {
            Assert.Equal(use, model.VisionTower.CacheUse);
            Assert.Equal(use, model.TextTower.CacheUse);
        }

        string[] files = Golden.ImageFiles();
        int per = 3 * model.ImageSize * model.ImageSize;
        float[] pixels = new float[files.Length * per];
        for (int i = 0; i < files.Length; i++)
        {
            Golden.Preprocessed(files[i]).CopyTo(pixels, i * per);
        }

        float[] images = new float[files.Length * model.EmbeddingDimension];
        model.EncodePixels(pixels, files.Length, images);
        var (ids, shape) = Golden.Tokens(folder.EndsWith("static", StringComparison.Ordinal) ? "labels" : "labels_skimage");
        float[] texts = new float[shape[0] * model.EmbeddingDimension];
        model.EncodeTokens(ids, shape[0], texts);
        return new Result(images, texts, model.EmbeddingDimension);
    }

    private static void AssertGolden(Result result, string layout)
    {
        int d = result.Dimension;
        var (images, _) = Golden.Array("labels", "image_embeds_normalized.npy");
        var (texts, _) = Golden.Array(layout == "openclip-static" ? "labels" : "labels_skimage", "text_embeds_normalized.npy");
        for (int i = 0; i < images.Length / d; i++)
        {
            Assert.True(Golden.Cosine(result.Images.AsSpan(i * d, d), images.AsSpan(i * d, d)) >= MinCosine, $"image {i}");
        }

        for (int i = 0; i < texts.Length / d; i++)
        {
            Assert.True(Golden.Cosine(result.Texts.AsSpan(i * d, d), texts.AsSpan(i * d, d)) >= MinCosine, $"text {i}");
        }
    }
}
