using System.Numerics.Tensors;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The model id and preprocessing fingerprint that decide when an index's vectors are rebuilt.</summary>
public sealed class ClipModelEmbedderTests
{
    /// <summary>The exact-decode preprocess fingerprint of models/micro/openclip as written before the fast decode existed.</summary>
    private const string LegacyMicroOpenClipFingerprint = "764822d295c39226";

    private static (string ModelId, string Preprocess) Ids(string folder)
    {
        using var model = ClipModel.Load(folder);
        var embedder = new ClipModelEmbedder(model);
        return (embedder.ModelId, embedder.PreprocessFingerprint);
    }

    [SkippableFact]
    public void EmbedderIds_WeightsTokenizerOrPreprocessingChanged_ChangeAccordingly()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("micro");
        TestFolders.CopyFolder(Golden.ModelDir("openclip"), folder);
        var original = Ids(folder);
        Assert.Equal(original, Ids(folder));
        Assert.Matches("^content:[0-9a-f]{32}$", original.ModelId);

        // A file the tokenizer reads changes the model id (text vectors) but not the image preprocessing.
        File.AppendAllText(Path.Combine(folder, "textual", "tokenizer.json"), " ");
        var tokenizerChanged = Ids(folder);
        Assert.NotEqual(original.ModelId, tokenizerChanged.ModelId);
        Assert.Equal(original.Preprocess, tokenizerChanged.Preprocess);

        // The preprocessing config changes both.
        File.AppendAllText(Path.Combine(folder, "visual", "preprocess_cfg.json"), " ");
        var preprocessChanged = Ids(folder);
        Assert.NotEqual(tokenizerChanged.ModelId, preprocessChanged.ModelId);
        Assert.NotEqual(tokenizerChanged.Preprocess, preprocessChanged.Preprocess);

        // Different weights of the same size change the model id.
        string onnx = Path.Combine(folder, "visual", "model.onnx");
        byte[] bytes = File.ReadAllBytes(onnx);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(onnx, bytes);
        Assert.NotEqual(preprocessChanged.ModelId, Ids(folder).ModelId);
    }

    [SkippableFact]
    public void FastJpegDecode_Default_IsOnWithItsOwnFingerprintAndExactKeepsTheOld()
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var fast = new ClipModelEmbedder(model);
        var exact = new ClipModelEmbedder(model, fastJpegDecode: false);

        Assert.True(fast.FastJpegDecode);
        Assert.False(exact.FastJpegDecode);
        Assert.Equal(LegacyMicroOpenClipFingerprint, exact.PreprocessFingerprint);
        Assert.NotEqual(exact.PreprocessFingerprint, fast.PreprocessFingerprint);
        Assert.Equal(exact.ModelId, fast.ModelId);
        Assert.Equal(exact.PreprocessFingerprint, fast.WithFastJpegDecode(false).PreprocessFingerprint);
        Assert.Equal(fast.PreprocessFingerprint, exact.WithFastJpegDecode(true).PreprocessFingerprint);
    }

    [SkippableFact]
    public void DecodeMode_FastOrExact_ReachesTheDecoderAndClipModelStaysExact()
    {
        string photo = TestData.Path("photos", "autumn-leaves.jpg"); // 2560x1600: decoded at 1/2 by the fast path
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        using var fastModel = ClipModel.Load(Golden.ModelDir("openclip"), new ClipModelOptions { FastJpegDecode = true });
        float[] fast = Assert.Single(new ClipModelEmbedder(model).EmbedImageFiles([photo])).Embedding!;
        float[] exact = Assert.Single(new ClipModelEmbedder(model, fastJpegDecode: false).EmbedImageFiles([photo])).Embedding!;

        Assert.Equal(model.EncodeImage(photo), exact); // ClipModel's default API is exact
        Assert.Equal(fastModel.EncodeImage(photo), fast);
        Assert.NotEqual(exact, fast);
        Assert.True(TensorPrimitives.CosineSimilarity(exact, fast) > 0.99);
        Assert.Equal(exact, Assert.Single(model.EncodeImageFiles([photo])).Embedding!);
    }

    [SkippableFact]
    public void ForIndex_IndexFingerprint_DecodesQueryImagesLikeTheIndexElseExactly()
    {
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var embedder = new ClipModelEmbedder(model);
        string fastFingerprint = embedder.PreprocessFingerprint;
        string exactFingerprint = embedder.WithFastJpegDecode(false).PreprocessFingerprint;

        Assert.True(embedder.ForPreprocessFingerprint(fastFingerprint).FastJpegDecode);
        Assert.False(embedder.ForPreprocessFingerprint(exactFingerprint).FastJpegDecode);
        Assert.False(embedder.ForPreprocessFingerprint("another-preprocessing").FastJpegDecode);
        Assert.False(embedder.ForPreprocessFingerprint(null).FastJpegDecode);
        Assert.True(embedder.WithFastJpegDecode(false).ForPreprocessFingerprint(fastFingerprint).FastJpegDecode);
    }

    [SkippableFact]
    public async Task Indexer_DecodeModeSwitched_ReEmbedsEveryFileAndTheSameModeAgainNothing()
    {
        using var temp = new TempFolder();
        string pics = temp.Sub("pics");
        Directory.CreateDirectory(pics);
        foreach (string name in new[] { "autumn-leaves.jpg", "kite-in-sky.jpg", "rocket-launch.jpg", "cat-chelsea.png" })
        {
            File.Copy(TestData.Path("photos", name), Path.Combine(pics, name));
        }

        string large = Path.Combine(pics, "autumn-leaves.jpg");
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var exact = new ClipModelEmbedder(model, fastJpegDecode: false);
        var fast = new ClipModelEmbedder(model);
        await using var index = PhotoIndex.Open(temp.Sub("index"));

        var first = await new Indexer(index.Store, exact).RunAsync([pics]);
        Assert.Equal((4L, false), (first.Embedded, first.ModelChanged));
        float[] exactVector = (await index.Store.GetByPathAsync(large, true))!.Embedding!;

        var switched = await new Indexer(index.Store, fast).RunAsync([pics]);
        Assert.Equal((4L, 0L, 0L, true), (switched.Embedded, switched.Reused, switched.Unchanged, switched.ModelChanged));
        Assert.Equal(fast.PreprocessFingerprint, (await index.Store.GetMetadataAsync())!.PreprocessFingerprint);
        var stored = (await index.Store.GetByPathAsync(large, true))!;
        Assert.Equal(fast.ModelId + "|" + fast.PreprocessFingerprint, stored.VectorKey);
        Assert.NotEqual(exactVector, stored.Embedding);

        var again = await new Indexer(index.Store, fast).RunAsync([pics]);
        Assert.Equal((0L, 4L, false), (again.Embedded, again.Unchanged, again.ModelChanged));

        var back = await new Indexer(index.Store, exact).RunAsync([pics]);
        Assert.Equal((4L, true), (back.Embedded, back.ModelChanged));
        Assert.Equal(exactVector, (await index.Store.GetByPathAsync(large, true))!.Embedding);
    }
}
