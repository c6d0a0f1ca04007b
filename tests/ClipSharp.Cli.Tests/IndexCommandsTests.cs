using System.Text.Json;
using ClipSharp.Index;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

/// <summary>index / index status / search / similar / dupes on the command line.</summary>
public sealed class IndexCommandsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "clipsharp-cli-index-" + Guid.NewGuid().ToString("N"));

    public IndexCommandsTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string IndexDir => Path.Combine(_root, "index");

    private static float[] Unit(params float[] v)
    {
        ClipMath.Normalize(v);
        return v;
    }

    /// <summary>An index written through the library: three real files (so similar can check them) and one failure.</summary>
    private async Task<string[]> CraftIndexAsync()
    {
        string pics = Path.Combine(_root, "pics");
        Directory.CreateDirectory(pics);
        string[] paths = new[] { "a.png", "a-copy.png", "b.png", "c.png" }.Select(n => Path.Combine(pics, n)).ToArray();
        foreach (string p in paths)
        {
            await File.WriteAllTextAsync(p, "x");
        }

        float[][] vectors = [Unit(1, 0, 0), Unit(1, 0, 0), Unit(1, 0.1f, 0), Unit(0, 0, 1)];
        await using var index = PhotoIndex.Open(IndexDir);
        await index.Store.SetMetadataAsync(new IndexMetadata("test-model@1", "pre", 3));
        var batch = new IndexBatch();
        for (int i = 0; i < paths.Length; i++)
        {
            var info = new FileInfo(paths[i]);
            batch.Upserts.Add(new IndexedFile
            {
                Path = paths[i],
                Size = info.Length,
                ModifiedUtc = info.LastWriteTimeUtc,
                Sha256 = i < 2 ? "same" : "sha" + i,
                VectorKey = "test-model@1|pre",
                Embedding = vectors[i],
            });
        }

        batch.Failures.Add(new IndexFailure(Path.Combine(pics, "broken.jpg"), "corrupt image: truncated", 5, DateTime.UnixEpoch, "test-model@1|pre"));
        await index.Store.CommitAsync(batch);
        return paths;
    }

    [Fact]
    public async Task IndexStatusJson_CraftedIndex_IsOneObjectWithFilesFailuresAndModel()
    {
        await CraftIndexAsync();

        var result = CliRunner.Run("index", "status", "--index", IndexDir, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var status = Assert.Single(result.Json);
        Assert.Equal(4, status.GetProperty("files").GetInt32());
        Assert.Equal("test-model@1", status.GetProperty("model").GetString());
        var failed = Assert.Single(status.GetProperty("failed").EnumerateArray());
        Assert.EndsWith("broken.jpg", failed.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal("corrupt image: truncated", failed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task DupesJson_CraftedIndex_PrintsOneGroupPerLine()
    {
        string[] paths = await CraftIndexAsync();

        var result = CliRunner.Run("dupes", "--index", IndexDir, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var groups = result.Json;
        Assert.Equal(2, groups.Length);
        Assert.Equal("exact", groups[0].GetProperty("kind").GetString());
        Assert.Equal([paths[1], paths[0]], groups[0].GetProperty("paths").EnumerateArray().Select(p => p.GetString()!));
        Assert.Equal("near", groups[1].GetProperty("kind").GetString());
        Assert.Equal(3, groups[1].GetProperty("paths").GetArrayLength());

        var strict = CliRunner.Run("dupes", "--index", IndexDir, "--json", "--threshold", "0.999");
        Assert.Single(strict.Json);
    }

    [Fact]
    public async Task Similar_IndexedImage_UsesItsStoredVectorAndLeavesItOut()
    {
        string[] paths = await CraftIndexAsync();

        var result = CliRunner.Run("similar", paths[2], "--index", IndexDir, "--json", "--limit", "2");

        Assert.True(result.ExitCode == 0, result.Error);
        var hits = result.Json;
        Assert.Equal(2, hits.Length);
        Assert.DoesNotContain(hits, h => h.GetProperty("path").GetString() == paths[2]);
        Assert.Equal([paths[1], paths[0]], hits.Select(h => h.GetProperty("path").GetString()!)); // equal scores: path order
        Assert.True(hits[0].GetProperty("score").GetSingle() >= hits[1].GetProperty("score").GetSingle());
    }

    [Theory]
    [InlineData("search", "dog", "--after", "not-a-date")]
    [InlineData("search", "dog", "--limit", "0")]
    [InlineData("index")]
    [InlineData("dupes", "--threshold", "1.5")]
    [InlineData("index", ".", "--vectors", "float8")]
    public async Task IndexCommands_CommandLineMistake_Exit2WithOneLine(params string[] args)
    {
        await CraftIndexAsync();
        var result = CliRunner.Run([.. args, "--index", IndexDir]);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void IndexStatus_MissingIndex_SaysHowToCreateItAndExits1()
    {
        var result = CliRunner.Run("index", "status", "--index", Path.Combine(_root, "nothing-here"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("clipsharp index DIR", result.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void IndexThenSearch_MicroModel_ReturnsTheGoldenRankingBestFirst()
    {
        // --exact: the golden ranking is the reference pipeline's (retina.jpg would be decoded at 1/2 by default).
        var index = CliRunner.Run("index", TestData.Path("golden", "images"), "--index", IndexDir, "--model", Golden.ModelDir("openclip"), "--exact", "--json");
        Assert.True(index.ExitCode == 0, index.Error);
        Assert.Equal(28, Assert.Single(index.Json).GetProperty("files").GetInt32());

        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "search.json")));
        string text = doc.RootElement.GetProperty("texts")[1].GetString()!;
        string[] ranking = doc.RootElement.GetProperty("ranking")[1].EnumerateArray().Select(r => r.GetString()!).ToArray();
        double[] scores = doc.RootElement.GetProperty("scores")[1].EnumerateArray().Select(s => s.GetDouble()).ToArray();

        // The model is found from the index; no --model needed.
        var search = CliRunner.Run("search", text, "--index", IndexDir, "--json", "--limit", "28");

        Assert.True(search.ExitCode == 0, search.Error);
        var hits = search.Json;
        Assert.Equal(28, hits.Length);
        for (int i = 0; i < hits.Length; i++)
        {
            Assert.Equal(scores[i], hits[i].GetProperty("score").GetDouble(), 1e-4);
            string file = Path.GetFileName(hits[i].GetProperty("path").GetString()!);
            Assert.True(file == ranking[i] || Math.Abs(scores[Array.IndexOf(ranking, file)] - scores[i]) <= 1e-4, $"rank {i}: {file} vs {ranking[i]}");
        }
    }

    [SkippableFact]
    public void Index_EdgeCorpus_Exits0AndListsEveryFailureWithItsReason()
    {
        var result = CliRunner.Run("index", TestData.Path("edge"), "--index", IndexDir, "--model", Golden.ModelDir("openclip"), "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var failed = Assert.Single(result.Json).GetProperty("failed").EnumerateArray()
            .ToDictionary(f => Path.GetFileName(f.GetProperty("path").GetString()!), f => f.GetProperty("reason").GetString());
        foreach (string line in File.ReadAllLines(TestData.Path("edge", "cases.csv")).Skip(1))
        {
            string[] cells = line.Split(',');
            if (cells[4].StartsWith("reject", StringComparison.Ordinal))
            {
                Assert.True(failed.ContainsKey(cells[0]), $"{cells[0]} is not listed as failed");
                Assert.False(string.IsNullOrWhiteSpace(failed[cells[0]]));
            }
            else if (cells[4] is "decode" or "decode+orient" or "decode-first-frame")
            {
                Assert.False(failed.ContainsKey(cells[0]), $"{cells[0]} failed: {failed.GetValueOrDefault(cells[0])}");
            }
        }
    }

    [SkippableFact]
    public void IndexVectorsFloat16_Float32Index_ConvertsInPlaceAndKeepsTheGoldenRanking()
    {
        string[] common = ["--index", IndexDir, "--model", Golden.ModelDir("openclip"), "--exact", "--json"];
        var first = Assert.Single(CliRunner.Run(["index", TestData.Path("golden", "images"), .. common]).Json);
        Assert.Equal("float32", first.GetProperty("vectors").GetString());

        var converted = CliRunner.Run(["index", TestData.Path("golden", "images"), "--vectors", "float16", .. common]);

        Assert.True(converted.ExitCode == 0, converted.Error);
        var run = Assert.Single(converted.Json);
        Assert.Equal(("float16", 28, 0, 28), (run.GetProperty("vectors").GetString(), run.GetProperty("converted").GetInt32(), run.GetProperty("embedded").GetInt32(), run.GetProperty("unchanged").GetInt32()));
        Assert.Equal(0, Assert.Single(CliRunner.Run(["index", TestData.Path("golden", "images"), "--vectors", "float16", .. common]).Json).GetProperty("converted").GetInt32());
        var status = Assert.Single(CliRunner.Run("index", "status", "--index", IndexDir, "--json").Json);
        Assert.Equal(("float16", 2), (status.GetProperty("vectors").GetString(), status.GetProperty("schemaVersion").GetInt32()));

        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "search.json")));
        string text = doc.RootElement.GetProperty("texts")[1].GetString()!;
        string[] ranking = doc.RootElement.GetProperty("ranking")[1].EnumerateArray().Select(r => r.GetString()!).ToArray();
        double[] scores = doc.RootElement.GetProperty("scores")[1].EnumerateArray().Select(s => s.GetDouble()).ToArray();
        var hits = CliRunner.Run("search", text, "--index", IndexDir, "--json", "--limit", "28").Json;
        // float16 rounding moves a cosine of unit vectors by at most 2^-11 (on top of the 1e-4 of float32).
        const double Tolerance = 1e-4 + (1.0 / 2048);
        Assert.Equal(28, hits.Length);
        for (int i = 0; i < hits.Length; i++)
        {
            string file = Path.GetFileName(hits[i].GetProperty("path").GetString()!);
            Assert.Equal(scores[Array.IndexOf(ranking, file)], hits[i].GetProperty("score").GetDouble(), Tolerance);
            Assert.True(file == ranking[i] || Math.Abs(scores[Array.IndexOf(ranking, file)] - scores[i]) <= 2 * Tolerance, $"rank {i}: {file} vs {ranking[i]}");
        }

        var back = CliRunner.Run(["index", TestData.Path("golden", "images"), "--vectors", "float32", .. common]);
        Assert.Equal(1, back.ExitCode);
        Assert.Contains("float16 vectors", back.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexVectors_PostgresStore_PointsToTheUrlSettingAndExits2()
    {
        var result = CliRunner.Run("index", _root, "--store", "postgres://me@127.0.0.1:1/photos", "--vectors", "float16");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("vector=halfvec", result.Error, StringComparison.Ordinal);
    }

    private string CopyPhotos(params string[] names)
    {
        string pics = Path.Combine(_root, "pics");
        Directory.CreateDirectory(pics);
        foreach (string name in names)
        {
            File.Copy(TestData.Path("photos", name), Path.Combine(pics, name));
        }

        return pics;
    }

    [SkippableFact]
    public void Index_JpegDecodeModeSwitched_ReEmbedsEveryFileAndFastIsTheDefault()
    {
        string pics = CopyPhotos("autumn-leaves.jpg", "kite-in-sky.jpg", "rocket-launch.jpg", "cat-chelsea.png");
        string[] common = ["--index", IndexDir, "--model", Golden.ModelDir("openclip"), "--json"];

        var exact = Assert.Single(CliRunner.Run(["index", pics, "--exact", .. common]).Json);
        Assert.Equal(("exact", 4, false), (exact.GetProperty("jpegDecode").GetString(), exact.GetProperty("embedded").GetInt32(), exact.GetProperty("modelChanged").GetBoolean()));

        var sameExact = Assert.Single(CliRunner.Run(["index", pics, "--exact", .. common]).Json);
        Assert.Equal((0, 4, false), (sameExact.GetProperty("embedded").GetInt32(), sameExact.GetProperty("unchanged").GetInt32(), sameExact.GetProperty("modelChanged").GetBoolean()));

        var fast = Assert.Single(CliRunner.Run(["index", pics, .. common]).Json);
        Assert.Equal(("fast", 4, true), (fast.GetProperty("jpegDecode").GetString(), fast.GetProperty("embedded").GetInt32(), fast.GetProperty("modelChanged").GetBoolean()));

        var sameFast = Assert.Single(CliRunner.Run(["index", pics, .. common]).Json);
        Assert.Equal((0, 4, false), (sameFast.GetProperty("embedded").GetInt32(), sameFast.GetProperty("unchanged").GetInt32(), sameFast.GetProperty("modelChanged").GetBoolean()));

        var text = CliRunner.Run(["index", pics, "--exact", "--index", IndexDir, "--model", Golden.ModelDir("openclip")]);
        Assert.Contains("every vector was rebuilt", text.Out, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Similar_ImageOutsideTheIndex_IsDecodedTheWayTheIndexWasBuilt(bool exactIndex)
    {
        // 1600x1065: the fast decode reads it at 1/2. Of the test photos, the one whose two decodes differ most with the
        // micro model (cosine 0.99998; identical vectors score 1 within 1e-7).
        const string photo = "forest-stream.jpg";
        string pics = CopyPhotos(photo, "kite-in-sky.jpg", "rocket-launch.jpg");
        string[] mode = exactIndex ? ["--exact"] : [];
        var index = CliRunner.Run(["index", pics, "--index", IndexDir, "--model", Golden.ModelDir("openclip"), "--json", .. mode]);
        Assert.True(index.ExitCode == 0, index.Error);

        // The same photo outside the index is embedded (not looked up); decoded like the index, it is the same vector.
        string outside = Path.Combine(_root, "outside", photo);
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        File.Copy(Path.Combine(pics, photo), outside);
        var similar = CliRunner.Run("similar", outside, "--index", IndexDir, "--json", "--limit", "1");

        Assert.True(similar.ExitCode == 0, similar.Error);
        var hit = Assert.Single(similar.Json);
        Assert.Equal(Path.Combine(pics, photo), hit.GetProperty("path").GetString());
        Assert.True(hit.GetProperty("score").GetDouble() > 0.999999, $"score {hit.GetProperty("score").GetDouble()}");

        // The other decode mode would not give that score (so the check above can fail).
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        float[] exact = model.EncodeImageFiles([outside], fastJpegDecode: false).Single().Embedding!;
        float[] fast = model.EncodeImageFiles([outside], fastJpegDecode: true).Single().Embedding!;
        Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(exact, fast) < 0.99999);
    }

    /// <summary>The CLI as a user runs it: the optimised-model cache goes beside the ONNX files of a writable model folder.</summary>
    private static CliResult RunWithCacheBesideModel(params string[] args)
        => Cli.RunProcess(new Dictionary<string, string?> { ["CLIPSHARP_OPTIMIZED_MODELS"] = null }, args);

    private static string[] Caches(string model) => Directory.GetDirectories(model, ".clipsharp-cache", SearchOption.AllDirectories);

    [SkippableFact]
    public void IndexThenSearch_WritableModelFolderLosesItsCacheAndMoves_SearchesTheSameAndEmbedsNothing()
    {
        string model = ModelFolders.WritableCopy(Golden.ModelDir("openclip"), Path.Combine(_root, "models", "micro-copy"));
        string photos = TestData.Path("photos");

        var index = RunWithCacheBesideModel("index", photos, "--index", IndexDir, "--model", model, "--json");
        Assert.True(index.ExitCode == 0, index.Error);
        var first = Assert.Single(index.Json);
        Assert.Equal(37, first.GetProperty("embedded").GetInt32());
        int found = first.GetProperty("found").GetInt32();
        var search = RunWithCacheBesideModel("search", "a dog", "--index", IndexDir, "--model", model, "--json");
        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Equal(2, Caches(model).Length);

        foreach (string cache in Caches(model))
        {
            Directory.Delete(cache, recursive: true);
        }

        string moved = Path.Combine(_root, "elsewhere", "renamed-model");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(model, moved);
        var again = RunWithCacheBesideModel("search", "a dog", "--index", IndexDir, "--model", moved, "--json");
        var reindex = RunWithCacheBesideModel("index", photos, "--index", IndexDir, "--model", moved, "--json");

        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal(search.Out, again.Out);
        Assert.True(reindex.ExitCode == 0, reindex.Error);
        var run = Assert.Single(reindex.Json);
        // Every file the first run found (37 photos and the files that are not images) is unchanged; nothing re-embedded.
        Assert.Equal((0, found, false), (run.GetProperty("embedded").GetInt32(), run.GetProperty("unchanged").GetInt32(), run.GetProperty("modelChanged").GetBoolean()));
    }

    [SkippableFact]
    public void Search_IndexFromThePreviousRelease_AdoptsTheContentIdWithANoteAndIndexEmbedsNothing()
    {
        Directory.CreateDirectory(IndexDir);
        File.Copy(Fixtures.Path("index-402108c", SqliteIndexStore.DatabaseFileName), Path.Combine(IndexDir, SqliteIndexStore.DatabaseFileName));
        string model = ModelFolders.WritableCopy(Golden.ModelDir("openclip"), Path.Combine(_root, "models", "renamed"));
        string pics = Path.Combine(_root, "pics");
        Directory.CreateDirectory(pics);
        foreach (string name in new[] { "grace-hopper-portrait.jpg", "pelican-cutout-rgba.png", "coins-greek-gray.png" })
        {
            File.Copy(TestData.Path("photos", name), Path.Combine(pics, name));
        }

        var search = RunWithCacheBesideModel("search", "a dog", "--index", IndexDir, "--model", model, "--json");
        var status = RunWithCacheBesideModel("index", "status", "--index", IndexDir, "--json");
        var index = RunWithCacheBesideModel("index", pics, "--index", IndexDir, "--model", model, "--json");

        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Equal(3, search.Json.Length);
        Assert.Contains("note: the index recorded its model as " + Fixtures.MicroOpenClipIdAt402108c, search.Error, StringComparison.Ordinal);
        Assert.StartsWith("content:", Assert.Single(status.Json).GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.True(index.ExitCode == 0, index.Error);
        Assert.DoesNotContain("note:", index.Error, StringComparison.Ordinal);
        var run = Assert.Single(index.Json);
        Assert.Equal((0, 3, false), (run.GetProperty("embedded").GetInt32(), run.GetProperty("reused").GetInt32(), run.GetProperty("modelChanged").GetBoolean()));
    }
}
