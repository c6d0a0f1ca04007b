using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>
/// A fake hub on 127.0.0.1 serving the micro model under real catalog names, a scratch cache folder, and hubs with
/// small timeouts and backoff so that failure paths run in milliseconds.
/// </summary>
public abstract class FakeHubTestBase : IAsyncLifetime
{
    internal const string OpenClipRepo = "immich-app/ViT-B-32__openai";
    internal const string HfRepo = "Xenova/clip-vit-base-patch32";

    internal FakeHub Hub { get; private set; } = null!;

    internal string Cache { get; private set; } = null!;

    /// <summary>Notices the hubs made (retries, waits, reuse).</summary>
    internal List<string> Notices { get; } = [];

    internal static CatalogEntry ViTB32 => ModelCatalog.Find("ViT-B-32")!;

    internal static CatalogEntry HfB32 => ModelCatalog.Find("clip-vit-base-patch32")!;

    /// <summary>Start the hub with a TLS origin too.</summary>
    internal virtual bool Tls => false;

    public async Task InitializeAsync()
    {
        Hub = await FakeHub.StartAsync(new Dictionary<string, string>
        {
            [OpenClipRepo] = Golden.ModelDir("openclip"),
            [HfRepo] = Golden.ModelDir("hf"),
        }, Tls);
        Cache = Directory.CreateTempSubdirectory("clipsharp-hub-").FullName;
    }

    public async Task DisposeAsync()
    {
        if (Hub is not null)
        {
            await Hub.DisposeAsync();
        }

        if (Cache is not null && Directory.Exists(Cache))
        {
            Directory.Delete(Cache, recursive: true);
        }
    }

    internal ModelHub CreateHub(bool offline = false, string? token = null, string? endpoint = null, Action<ModelHubOptions>? configure = null)
    {
        var options = new ModelHubOptions
        {
            Endpoint = endpoint ?? Hub.Endpoint,
            CacheDirectory = Cache,
            Offline = offline,
            Token = token,
            MetadataTimeout = TimeSpan.FromSeconds(20),
            DownloadTimeout = TimeSpan.FromSeconds(20),
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            LockPollInterval = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return ModelHub.Create(options);
    }

    internal ModelPullOptions Pull(string? variant = null, string? revision = null, bool force = false)
        => new() { Variant = variant, Revision = revision, Force = force, Notice = n => { lock (Notices) { Notices.Add(n); } } };

    /// <summary>The model folder's files compared with the hub's bytes at a commit.</summary>
    internal void AssertCachedFilesAre(ModelHub hub, CatalogEntry entry, string repo, string? commit = null, string? variant = null)
    {
        string folder = hub.ModelDirectory(entry, variant);
        foreach (string file in entry.FilesFor(variant))
        {
            Assert.True(Hub.Content(repo, file, commit).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, file))), $"{file} differs from the hub's bytes");
        }
    }

    /// <summary>Every file under the cache's models folder except locks.</summary>
    internal string[] CacheFiles() => Directory.Exists(Path.Combine(Cache, "models"))
        ? Directory.EnumerateFiles(Path.Combine(Cache, "models"), "*", SearchOption.AllDirectories).Where(f => !f.Contains(Path.DirectorySeparatorChar + ".locks" + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToArray()
        : [];

    /// <summary>CDN requests for a file.</summary>
    internal HubRequest[] CdnGets(string file)
        => Hub.Log.Where(r => r.Method == "GET" && r.Path.StartsWith("/cdn-lfs/", StringComparison.Ordinal) && r.Path.EndsWith("/" + file, StringComparison.Ordinal)).ToArray();

    /// <summary>A pull, guarded against hangs: a test that would wait forever fails instead.</summary>
    internal static async Task<T> Guarded<T>(Task<T> task) => await task.WaitAsync(TimeSpan.FromSeconds(60));

    internal static async Task<ClipSharpException> FailsWith(Task task)
    {
        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => task.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }
}
