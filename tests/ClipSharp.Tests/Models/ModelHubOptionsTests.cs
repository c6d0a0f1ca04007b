using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>The environment read as huggingface_hub reads it (constants.py, utils/_auth.py).</summary>
public sealed class ModelHubOptionsTests
{
    private static ModelHubOptions From(params (string Name, string Value)[] variables)
    {
        var env = variables.ToDictionary(v => v.Name, v => v.Value);
        return ModelHubOptions.FromEnvironment(k => env.GetValueOrDefault(k));
    }

    [Fact]
    public void FromEnvironment_HubVariablesSet_ReadsThemIntoTheOptions()
    {
        var options = From(("HF_ENDPOINT", "https://mirror.example/"), ("HF_TOKEN", "tok"), ("CLIPSHARP_HOME", "/tmp/clipsharp-home"),
            ("HF_HUB_ETAG_TIMEOUT", "3"), ("HF_HUB_DOWNLOAD_TIMEOUT", "2.5"), ("CLIPSHARP_LOCK_TIMEOUT", "90"), ("HF_HUB_CACHE", "/data/hf"));

        Assert.Equal("https://mirror.example", options.Endpoint);
        Assert.Equal("tok", options.Token);
        Assert.Equal("/tmp/clipsharp-home", options.CacheDirectory);
        Assert.Equal(TimeSpan.FromSeconds(3), options.MetadataTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.DownloadTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), options.LockTimeout);
        Assert.Equal("/data/hf", options.HuggingFaceCacheDirectory);
        Assert.False(options.Offline);
        Assert.Equal(Path.Combine("/xdg", "clipsharp"), From(("XDG_CACHE_HOME", "/xdg")).CacheDirectory);
    }

    [Fact]
    public void FromEnvironment_TimeoutZeroOrNotANumber_DefaultsTo10SecondsOrThrows()
    {
        var options = From(("HF_HUB_ETAG_TIMEOUT", "0"));

        Assert.Equal(TimeSpan.FromSeconds(10), options.MetadataTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.DownloadTimeout);
        var ex = Assert.Throws<ClipSharpException>(() => From(("HF_HUB_DOWNLOAD_TIMEOUT", "ten")));
        Assert.Contains("HF_HUB_DOWNLOAD_TIMEOUT", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("on", true)]
    [InlineData("Yes", true)]
    [InlineData("TRUE", true)]
    [InlineData("true", true)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    [InlineData("no", false)]
    [InlineData("2", false)]
    public void FromEnvironment_OfflineVariable_IsTrueFor1OnYesTrueInAnyCase(string value, bool offline)
    {
        Assert.Equal(offline, From(("HF_HUB_OFFLINE", value)).Offline);
        Assert.Equal(offline, From(("TRANSFORMERS_OFFLINE", value)).Offline);
    }

    [Fact]
    public void FromEnvironment_HfHubOfflineSetAtAll_WinsOverTransformersOffline()
    {
        Assert.False(From(("HF_HUB_OFFLINE", "0"), ("TRANSFORMERS_OFFLINE", "1")).Offline);
        Assert.True(From(("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "0")).Offline);
    }

    [Fact]
    public void FromEnvironment_TokenWithSpacesOrLineBreaks_IsTrimmedAndEmptyIsNone()
    {
        Assert.Equal("hf_abc", From(("HF_TOKEN", "  hf_abc\r\n")).Token);
        Assert.Equal("hf_legacy", From(("HUGGING_FACE_HUB_TOKEN", "hf_legacy\n"), ("HF_HOME", "/nonexistent-hf-home")).Token);
        Assert.Null(From(("HF_TOKEN", "\n"), ("HF_HOME", "/nonexistent-hf-home")).Token);
    }

    [Fact]
    public void FromEnvironment_WithoutHfToken_ReadsTheTokenFile()
    {
        string home = Directory.CreateTempSubdirectory("clipsharp-hf-home-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(home, "token"), "hf_from_login\n");
            string other = Path.Combine(home, "other-token");
            File.WriteAllText(other, "hf_from_path\n");

            Assert.Equal("hf_from_login", From(("HF_HOME", home)).Token);
            Assert.Equal("hf_from_path", From(("HF_HOME", home), ("HF_TOKEN_PATH", other)).Token);
            Assert.Equal("hf_env", From(("HF_HOME", home), ("HF_TOKEN", "hf_env")).Token);
            Assert.Equal(Path.Combine(home, "hub"), From(("HF_HOME", home)).HuggingFaceCacheDirectory);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void FromEnvironment_HubCacheWithTildeOrVariables_ExpandsThem()
    {
        string user = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        Assert.Equal(Path.Combine(user, "hf"), From(("HF_HUB_CACHE", "~/hf")).HuggingFaceCacheDirectory);
        Assert.Equal("/data/models/hub", From(("HF_HUB_CACHE", "$BASE/hub"), ("BASE", "/data/models")).HuggingFaceCacheDirectory);
        Assert.Equal(Path.Combine("/xdg", "huggingface", "hub"), From(("XDG_CACHE_HOME", "/xdg")).HuggingFaceCacheDirectory);
    }
}
