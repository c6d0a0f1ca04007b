using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

/// <summary><c>clipsharp models …</c> against a fake hub on 127.0.0.1, as a real child process.</summary>
public sealed class ModelsCommandTests : IAsyncLifetime
{
    private FakeHub _hub = null!;
    private string _home = null!;

    public async Task InitializeAsync()
    {
        TestData.Require();
        _hub = await FakeHub.StartAsync(new Dictionary<string, string>
        {
            ["immich-app/ViT-B-32__openai"] = Golden.ModelDir("openclip"),
            ["Xenova/clip-vit-base-patch32"] = Golden.ModelDir("hf"),
        });
        _home = Directory.CreateTempSubdirectory("clipsharp-home-").FullName;
    }

    public async Task DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        if (_home is not null && Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    private Dictionary<string, string?> Env(bool offline = false) => new()
    {
        ["HF_ENDPOINT"] = _hub.Endpoint,
        ["CLIPSHARP_HOME"] = _home,
        ["HF_HUB_OFFLINE"] = offline ? "1" : null,
        ["HF_TOKEN"] = null,
    };

    [SkippableFact]
    public void PullThenClassifyByName_GivesTheSameProbabilitiesAsTheFolder()
    {
        var pull = Cli.RunProcess(Env(), "models", "pull", "ViT-B-32");
        Assert.True(pull.ExitCode == 0, pull.Error);
        Assert.Contains("ViT-B-32", pull.Out, StringComparison.Ordinal);
        Assert.Contains("[##############################] 100%", pull.Error, StringComparison.Ordinal); // plain progress lines when not a terminal

        string image = Golden.ImagePath("chelsea.png");
        var byName = Cli.RunProcess(Env(offline: true), "classify", image, "--labels", "dog,cat,bird", "--model", "ViT-B-32", "--json");
        var byFolder = Cli.RunProcess(Env(offline: true), "classify", image, "--labels", "dog,cat,bird", "--model", Golden.ModelDir("openclip"), "--json");

        Assert.True(byName.ExitCode == 0, byName.Error);
        Assert.True(byFolder.ExitCode == 0, byFolder.Error);
        Assert.Equal(byFolder.Out, byName.Out);
    }

    [SkippableFact]
    public void Pull_WritesTheOptimisedModelCache_SoTheFirstClassifyOnlyLoadsIt()
    {
        string cache = Path.Combine(_home, "optimized-models");
        var env = Env();
        env["CLIPSHARP_OPTIMIZED_MODELS"] = cache;

        var pull = Cli.RunProcess(env, "models", "pull", "ViT-B-32");

        Assert.True(pull.ExitCode == 0, pull.Error);
        Assert.Contains("ViT-B-32 is optimised for this processor", pull.Error, StringComparison.Ordinal);
        string[] entries = Directory.GetDirectories(cache).Where(d => !Path.GetFileName(d).StartsWith('.')).ToArray();
        Assert.Equal(2, entries.Length); // one per tower
        var written = entries.ToDictionary(e => e, e => File.GetLastWriteTimeUtc(Path.Combine(e, "entry.json")));

        env["HF_HUB_OFFLINE"] = "1";
        var classify = Cli.RunProcess(env, "classify", Golden.ImagePath("chelsea.png"), "--labels", "dog,cat", "--model", "ViT-B-32", "--json");

        Assert.True(classify.ExitCode == 0, classify.Error);
        Assert.Equal(written, Directory.GetDirectories(cache).Where(d => !Path.GetFileName(d).StartsWith('.'))
            .ToDictionary(e => e, e => File.GetLastWriteTimeUtc(Path.Combine(e, "entry.json"))));
    }

    [SkippableFact]
    public void FirstUseOfACatalogName_PullsItWithAMessageSayingWhatAndHowBig()
    {
        var result = Cli.RunProcess(Env(), "embed", "text", "a photo of a cat", "--model", "clip-vit-base-patch32");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("downloading clip-vit-base-patch32 from Xenova/clip-vit-base-patch32 (about 605 MB)", result.Error, StringComparison.Ordinal);
        Assert.Single(result.OutLines);
    }

    [SkippableFact]
    public void ListJson_OneObjectPerModelWithNameLayoutRepoBytesCached()
    {
        Assert.Equal(0, Cli.RunProcess(Env(), "models", "pull", "ViT-B-32").ExitCode);

        var result = Cli.RunProcess(Env(), "models", "list", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var rows = result.Json;
        Assert.Contains(rows, r => r.GetProperty("name").GetString() == "clip-vit-base-patch32:quantized" && r.GetProperty("layout").GetString() == "hf");
        var b32 = rows.Single(r => r.GetProperty("name").GetString() == "ViT-B-32");
        Assert.Equal("openclip", b32.GetProperty("layout").GetString());
        Assert.Equal("immich-app/ViT-B-32__openai", b32.GetProperty("repo").GetString());
        Assert.True(b32.GetProperty("cached").GetBoolean());
        Assert.True(b32.GetProperty("bytes").GetInt64() > 10_000_000);
        Assert.All(rows.Where(r => r.GetProperty("name").GetString() != "ViT-B-32"), r => Assert.False(r.GetProperty("cached").GetBoolean()));
    }

    [SkippableFact]
    public void Info_DescribesLayoutTensorsAndPreprocessing()
    {
        var result = Cli.RunProcess(Env(), "models", "info", Golden.ModelDir("hf"), "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var info = result.Json.Single();
        Assert.Equal("hf", info.GetProperty("layout").GetString());
        Assert.Equal("input_ids", info.GetProperty("text").GetProperty("input").GetString());
        Assert.Equal("int64", info.GetProperty("text").GetProperty("input_type").GetString());
        Assert.Equal("pixel_values", info.GetProperty("vision").GetProperty("input").GetString());
        Assert.Equal(32, info.GetProperty("embed_dim").GetInt32());
        Assert.Equal(77, info.GetProperty("tokenizer").GetProperty("context_length").GetInt32());
    }

    [SkippableFact]
    public void Remove_DeletesThePulledModel()
    {
        Assert.Equal(0, Cli.RunProcess(Env(), "models", "pull", "ViT-B-32").ExitCode);

        var rm = Cli.RunProcess(Env(), "models", "rm", "ViT-B-32");

        Assert.Equal(0, rm.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(_home, "models", "ViT-B-32")));
        var offline = Cli.RunProcess(Env(offline: true), "embed", "text", "x", "--model", "ViT-B-32");
        Assert.Equal(1, offline.ExitCode);
        Assert.Contains("not in the cache", offline.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Pull_UnknownName_IsAUsageErrorListingTheCatalog()
    {
        var result = Cli.RunProcess(Env(), "models", "pull", "ViT-Z-99");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ViT-B-32", result.Error, StringComparison.Ordinal);
    }
}
