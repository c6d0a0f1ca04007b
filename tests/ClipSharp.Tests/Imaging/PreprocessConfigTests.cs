using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

public sealed class PreprocessConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-cfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static void AssertOpenAi(PreprocessConfig c)
    {
        Assert.Equal(224, c.Size);
        Assert.Equal(ResizeMode.Shortest, c.ResizeMode);
        Assert.Equal(ResizeFilter.Bicubic, c.Filter);
        Assert.Equal(PreprocessConfig.OpenAI.Mean, c.Mean);
        Assert.Equal(PreprocessConfig.OpenAI.Std, c.Std);
        Assert.Equal(0, c.FillColor);
    }

    [Fact]
    public void OpenAI_BuiltInConfig_IsClipTransform224()
    {
        AssertOpenAi(PreprocessConfig.OpenAI);
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], PreprocessConfig.OpenAI.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], PreprocessConfig.OpenAI.Std);
    }

    [SkippableFact]
    public void OpenClipPreprocessCfg_OfTheMicroModel_IsOpenAI()
        => AssertOpenAi(PreprocessConfig.LoadOpenClip(TestData.Path("models", "micro", "openclip", "visual", "preprocess_cfg.json")));

    [SkippableFact]
    public void HuggingFacePreprocessorConfig_OfTheMicroModel_IsOpenAI()
        => AssertOpenAi(PreprocessConfig.LoadHuggingFace(TestData.Path("models", "micro", "hf", "preprocessor_config.json")));

    [Fact]
    public void OpenClip_IntSizeLongestBilinearAndFill_AreRead()
    {
        var c = PreprocessConfig.LoadOpenClip(Write("p.json", """{"size": 256, "mean": [0.5,0.5,0.5], "std": [0.5,0.5,0.5], "interpolation": "bilinear", "resize_mode": "longest", "fill_color": 128}"""));
        Assert.Equal(256, c.Size);
        Assert.Equal(ResizeMode.Longest, c.ResizeMode);
        Assert.Equal(ResizeFilter.Bilinear, c.Filter);
        Assert.Equal(128, c.FillColor);
        Assert.Equal([0.5f, 0.5f, 0.5f], c.Mean);
    }

    [Fact]
    public void OpenClip_SquashMode_IsRead()
        => Assert.Equal(ResizeMode.Squash, PreprocessConfig.LoadOpenClip(Write("p.json", """{"size": [384, 384], "resize_mode": "squash", "interpolation": "nearest"}""")).ResizeMode);

    [Fact]
    public void HuggingFace_HeightWidthSize_MeansSquash()
    {
        var c = PreprocessConfig.LoadHuggingFace(Write("hf.json", """{"size": {"height": 384, "width": 384}, "crop_size": {"height": 384, "width": 384}, "resample": 2, "image_mean": [0.5,0.5,0.5], "image_std": [0.5,0.5,0.5]}"""));
        Assert.Equal(384, c.Size);
        Assert.Equal(ResizeMode.Squash, c.ResizeMode);
        Assert.Equal(ResizeFilter.Bilinear, c.Filter);
    }

    [Fact]
    public void HuggingFace_IntSizeAndCrop_AreRead()
    {
        var c = PreprocessConfig.LoadHuggingFace(Write("hf.json", """{"size": 336, "crop_size": 336, "resample": 3, "do_normalize": false}"""));
        Assert.Equal(336, c.Size);
        Assert.Equal(ResizeMode.Shortest, c.ResizeMode);
        Assert.Equal([0f, 0f, 0f], c.Mean);
        Assert.Equal([1f, 1f, 1f], c.Std);
    }

    [Theory]
    [InlineData("{ this is not json", "invalid JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("""{"size": 224, "interpolation": "lanczos"}""", "interpolation")]
    [InlineData("""{"size": 224, "resize_mode": "crop"}""", "resize_mode")]
    [InlineData("""{"size": [224, 256]}""", "size")]
    [InlineData("""{"size": "big"}""", "size")]
    [InlineData("""{"mean": [0.5, 0.5, 0.5]}""", "size")]
    [InlineData("""{"size": 224, "mean": [0.5, 0.5]}""", "mean")]
    [InlineData("""{"size": 224, "std": [0.5, 0, 0.5]}""", "std")]
    [InlineData("""{"size": 224, "fill_color": "white"}""", "fill_color")]
    public void OpenClip_BadValues_ThrowInvalidModelNamingFileAndKey(string json, string expectedText)
    {
        string path = Write("bad.json", json);
        var ex = Assert.Throws<ClipSharpException>(() => PreprocessConfig.LoadOpenClip(path));
        Assert.Equal(ClipErrorKind.InvalidModel, ex.Kind);
        Assert.Equal(path, ex.Input);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedText, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ nope", "invalid JSON")]
    [InlineData("""{"size": {"shortest_edge": 224}, "resample": 7}""", "resample")]
    [InlineData("""{"size": {"shortest_edge": 224}, "crop_size": 200}""", "crop_size")]
    [InlineData("""{"size": {"shortest_edge": 224}, "rescale_factor": 0.5}""", "rescale_factor")]
    [InlineData("""{"size": {"shortest_edge": 224}, "do_resize": false}""", "do_resize")]
    [InlineData("""{"size": {"shortest_edge": 224}, "do_center_crop": false}""", "do_center_crop")]
    [InlineData("""{"size": {"longest_edge": 224}}""", "size")]
    [InlineData("""{"size": {"shortest_edge": 224}, "image_mean": "x"}""", "image_mean")]
    public void HuggingFace_BadValues_ThrowInvalidModelNamingFileAndKey(string json, string expectedText)
    {
        string path = Write("bad.json", json);
        var ex = Assert.Throws<ClipSharpException>(() => PreprocessConfig.LoadHuggingFace(path));
        Assert.Equal(ClipErrorKind.InvalidModel, ex.Kind);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedText, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOpenClip_MissingFile_ThrowsInvalidModelNamingIt()
    {
        string path = Path.Combine(_dir, "absent.json");
        var ex = Assert.Throws<ClipSharpException>(() => PreprocessConfig.LoadOpenClip(path));
        Assert.Equal(ClipErrorKind.InvalidModel, ex.Kind);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(224, 256)]
    [InlineData(224, -1)]
    public void Create_InvalidSizeOrFill_Throws(int size, int fill)
    {
        Assert.Throws<ClipSharpException>(() => PreprocessConfig.Create(size, ResizeMode.Shortest, ResizeFilter.Bicubic, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], fill));
    }

    [Fact]
    public void Create_CallerChangesItsArrays_KeepsItsOwnCopy()
    {
        float[] mean = [0.1f, 0.2f, 0.3f];
        var c = PreprocessConfig.Create(64, ResizeMode.Squash, ResizeFilter.Nearest, mean, [1f, 1f, 1f]);
        mean[0] = 9f;
        Assert.Equal(0.1f, c.Mean[0]);
    }
}
