using System.Diagnostics;
using ClipSharp.Models;
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

    /// <summary>The child's environment: the fake hub, a scratch cache, and no Hugging Face settings of the machine (token, cache).</summary>
    private Dictionary<string, string?> Env(bool offline = false) => new()
    {
        ["HF_ENDPOINT"] = _hub.Endpoint,
        ["CLIPSHARP_HOME"] = _home,
        ["HF_HUB_OFFLINE"] = offline ? "1" : null,
        ["TRANSFORMERS_OFFLINE"] = null,
        ["HF_TOKEN"] = null,
        ["HUGGING_FACE_HUB_TOKEN"] = null,
        ["HF_TOKEN_PATH"] = null,
        ["HF_HUB_CACHE"] = null,
        ["HUGGINGFACE_HUB_CACHE"] = null,
        ["HF_HOME"] = Path.Combine(_home, "hf-home"),
    };

    [SkippableFact]
    public void ClassifyByName_AfterPull_GivesTheSameProbabilitiesAsTheFolder()
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
    public void ModelsPull_OptimizedModelsVariableSet_WritesTheCacheThatClassifyThenOnlyLoads()
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
    public void Embed_FirstUseOfACatalogName_PullsItSayingWhatAndHowBig()
    {
        var result = Cli.RunProcess(Env(), "embed", "text", "a photo of a cat", "--model", "clip-vit-base-patch32");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("downloading clip-vit-base-patch32 from Xenova/clip-vit-base-patch32 (about 605 MB)", result.Error, StringComparison.Ordinal);
        Assert.Single(result.OutLines);
    }

    [SkippableFact]
    public void ModelsListJson_OneModelPulled_PrintsOneObjectPerModelWithItsFields()
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
    public void ModelsInfo_HfModelFolder_DescribesLayoutTensorsAndTokenizer()
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
    public void ModelsRemove_PulledModel_DeletesItFromTheCache()
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

    [SkippableFact]
    public void PullAndList_ReportTheSameModelSize_WithTheOptimisedCopyApart()
    {
        string optimized = Path.Combine(_home, "optimized-models");
        var env = Env();
        env["CLIPSHARP_OPTIMIZED_MODELS"] = optimized;

        var pull = Cli.RunProcess(env, "models", "pull", "ViT-B-32");
        var list = Cli.RunProcess(env, "models", "list", "--json");

        Assert.True(pull.ExitCode == 0, pull.Error);
        long bytes = new DirectoryInfo(Golden.ModelDir("openclip")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        var row = list.Json.Single(r => r.GetProperty("name").GetString() == "ViT-B-32");
        Assert.Equal(bytes, row.GetProperty("bytes").GetInt64());
        long optimizedBytes = row.GetProperty("optimized_bytes").GetInt64();
        Assert.True(optimizedBytes > 0);
        Assert.Contains($"({ModelHub.FormatBytes(bytes)}, commit {FakeHub.Commit[..7]}; {ModelHub.FormatBytes(bytes)} downloaded)", pull.Out, StringComparison.Ordinal);
        Assert.Contains($"optimised copy {ModelHub.FormatBytes(optimizedBytes)}, apart from the model's {ModelHub.FormatBytes(bytes)}", pull.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Pull_WhenTheOptimisedCopyCannotBeWritten_DoesNotSayOptimised()
    {
        string notAFolder = Path.Combine(_home, "a-file");
        File.WriteAllText(notAFolder, "");
        var env = Env();
        env["CLIPSHARP_OPTIMIZED_MODELS"] = Path.Combine(notAFolder, "optimized");

        var pull = Cli.RunProcess(env, "models", "pull", "ViT-B-32");

        Assert.True(pull.ExitCode == 0, pull.Error);
        Assert.DoesNotContain("is optimised", pull.Error, StringComparison.Ordinal);
        Assert.Contains("the optimised copy of ViT-B-32 could not be written", pull.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ModelsPull_TokenEndingInANewline_SendsItOnlyToTheHubAndNeverPrintsIt()
    {
        const string Token = "hf_secret_from_a_secret_file";
        _hub.GatedRepos["Xenova/clip-vit-base-patch32"] = Token;
        var env = Env();
        env["HF_TOKEN"] = Token + "\n";

        var pull = Cli.RunProcess(env, "models", "pull", "clip-vit-base-patch32");

        Assert.True(pull.ExitCode == 0, pull.Error);
        Assert.DoesNotContain(Token, pull.Out + pull.Error, StringComparison.Ordinal);
        Assert.All(_hub.Log.Where(r => r.Port == _hub.HubPort), r => Assert.Equal("Bearer " + Token, r.Authorization));
        Assert.All(_hub.Log.Where(r => r.Port == _hub.CdnPort), r => Assert.Null(r.Authorization));
    }

    [SkippableFact]
    public void Pull_WithTheTokenInTheLoginFile_UsesIt()
    {
        const string Token = "hf_from_huggingface_cli_login";
        _hub.GatedRepos["Xenova/clip-vit-base-patch32"] = Token;
        var env = Env();
        Directory.CreateDirectory(env["HF_HOME"]!);
        File.WriteAllText(Path.Combine(env["HF_HOME"]!, "token"), Token + "\n");

        var pull = Cli.RunProcess(env, "models", "pull", "clip-vit-base-patch32");

        Assert.True(pull.ExitCode == 0, pull.Error);
        Assert.Contains(_hub.Log, r => r.Authorization == "Bearer " + Token);
    }

    [SkippableFact]
    public void Pull_RedirectToAFileUrl_IsAOneLineErrorWithExitCode1()
    {
        _hub.RedirectResolve["config.json"] = "file:///etc/passwd";

        var pull = Cli.RunProcess(Env(), "models", "pull", "ViT-B-32");

        Assert.Equal(1, pull.ExitCode);
        string error = Assert.Single(pull.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("file:///etc/passwd", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", pull.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ModelsCommands_ReadOnlyCache_PullAndRemoveFailNamingTheFolderButCachedModelsWork()
    {
        Assert.Equal(0, Cli.RunProcess(Env(), "models", "pull", "ViT-B-32").ExitCode);
        string models = Path.Combine(_home, "models");

        var pull = Cli.RunProcessOnReadOnlyMount(_home, Env(), "models", "pull", "clip-vit-base-patch32");
        var rm = Cli.RunProcessOnReadOnlyMount(_home, Env(), "models", "rm", "ViT-B-32");
        var embed = Cli.RunProcessOnReadOnlyMount(_home, Env(offline: true), "embed", "text", "a cat", "--model", "ViT-B-32");

        foreach (var failed in new[] { pull, rm })
        {
            Assert.Equal(1, failed.ExitCode);
            Assert.Equal($"error: {models}: the model cache cannot be written (read-only file system); set CLIPSHARP_HOME to a writable folder, or use --offline with models already in it",
                failed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        }

        Assert.True(embed.ExitCode == 0, embed.Error);
        Assert.True(Directory.Exists(Path.Combine(models, "ViT-B-32")));
    }

    [SkippableFact]
    public async Task Pull_WhileAnotherPullHoldsTheLock_SaysSoOnceAndStopsOnCtrlC()
    {
        string locks = Path.Combine(_home, "models", ".locks");
        Directory.CreateDirectory(locks);
        File.WriteAllText(Path.Combine(locks, "ViT-B-32.holder"), "pull of ViT-B-32 (pid 4242)");
        using var held = new FileStream(Path.Combine(locks, "ViT-B-32.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var process = Cli.StartProcess(Env(), [], "models", "pull", "ViT-B-32");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var lines = new List<string>();
        var waiting = new TaskCompletionSource();
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                if (line.Contains("waiting for another pull", StringComparison.Ordinal))
                {
                    waiting.TrySetResult();
                }
            }
        });

        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(1000); // it keeps waiting, quietly
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await stderr;
        await stdout;
        Assert.Equal(130, process.ExitCode);
        Assert.Single(lines, l => l == "warning: waiting for another pull of ViT-B-32 (pid 4242)");
        Assert.Empty(_hub.Log);
    }

    [SkippableTheory]
    [InlineData("HF_HUB_OFFLINE", "On")]
    [InlineData("HF_HUB_OFFLINE", "YES")]
    [InlineData("TRANSFORMERS_OFFLINE", "true")]
    public void Offline_Variables_AreHonouredWithTheirUsualValues(string variable, string value)
    {
        var env = Env();
        env[variable] = value;

        var result = Cli.RunProcess(env, "embed", "text", "x", "--model", "ViT-B-32");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not in the cache", result.Error, StringComparison.Ordinal);
        Assert.Empty(_hub.Log);
    }

    [SkippableFact]
    public void Pull_ModelInTheHuggingFaceCache_DownloadsNothing()
    {
        var env = Env();
        env["HF_HUB_CACHE"] = Path.Combine(_home, "hf-hub");
        HuggingFaceCacheLayout.Write(env["HF_HUB_CACHE"]!, "immich-app/ViT-B-32__openai", FakeHub.Commit, Golden.ModelDir("openclip"),
            ModelCatalog.Find("ViT-B-32")!.Files);

        var pull = Cli.RunProcess(env, "models", "pull", "ViT-B-32");

        Assert.True(pull.ExitCode == 0, pull.Error);
        Assert.Contains("; 0 B downloaded, ", pull.Out, StringComparison.Ordinal);
        Assert.Equal(0, _hub.BytesDownloaded);
    }

    [SkippableFact]
    public void Pull_RevisionThenForce_FetchesThatCommitAndThenEverythingAgain()
    {
        var revision = Cli.RunProcess(Env(), "models", "pull", "ViT-B-32", "--revision", FakeHub.Commit);
        var byRevision = _hub.Log.ToArray();
        var force = Cli.RunProcess(Env(), "models", "pull", "ViT-B-32", "--force");

        Assert.True(revision.ExitCode == 0, revision.Error);
        Assert.True(force.ExitCode == 0, force.Error);
        Assert.All(byRevision.Where(r => r.Path.Contains("/resolve/", StringComparison.Ordinal)), r => Assert.Contains($"/resolve/{FakeHub.Commit}/", r.Path, StringComparison.Ordinal));
        Assert.Equal(byRevision.Count(r => r.Method == "GET") * 2, _hub.Log.Count(r => r.Method == "GET"));
    }
}
