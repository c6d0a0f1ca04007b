using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The model id and preprocessing fingerprint that decide when an index's vectors are rebuilt.</summary>
public sealed class ClipModelEmbedderTests
{
    private static (string ModelId, string Preprocess) Ids(string folder)
    {
        using var model = ClipModel.Load(folder);
        var embedder = new ClipModelEmbedder(model);
        return (embedder.ModelId, embedder.PreprocessFingerprint);
    }

    [SkippableFact]
    public void Ids_are_stable_and_change_with_the_weights_or_the_preprocessing_config()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("micro");
        Corpus.CopyFolder(Golden.ModelDir("openclip"), folder);
        Corpus.CopyFolder(Path.Combine(Golden.ModelDir("openclip"), "visual"), Path.Combine(folder, "visual"));
        Corpus.CopyFolder(Path.Combine(Golden.ModelDir("openclip"), "textual"), Path.Combine(folder, "textual"));
        var original = Ids(folder);
        Assert.Equal(original, Ids(folder));
        Assert.StartsWith("micro@", original.ModelId, StringComparison.Ordinal);

        // Tokenizer files change the model id (text vectors) but not the image preprocessing.
        File.AppendAllText(Path.Combine(folder, "textual", "special_tokens_map.json"), " ");
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
        bytes[^10] ^= 1;
        File.WriteAllBytes(onnx, bytes);
        Assert.NotEqual(preprocessChanged.ModelId, Ids(folder).ModelId);
    }
}
