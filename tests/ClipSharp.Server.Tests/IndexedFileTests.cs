using System.Diagnostics;
using System.Net;
using ClipSharp.Index;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>
/// Only the indexed file is ever served: a file swapped for a link out of the indexed folders, a hard link, a FIFO
/// or a same-size replacement answers 404 wherever the server reads an indexed path (original, thumbnail, "more like
/// this", imageId in classify and caption ranking), and a changed file is marked for re-indexing.
/// </summary>
public sealed class IndexedFileTests : IDisposable
{
    private const string Photo = "kite-in-sky.jpg";
    private readonly string _root = Directory.CreateTempSubdirectory("clipsharp-served-").FullName;

    private string Photos => Path.Combine(_root, "photos");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [SkippableFact]
    public async Task IndexedFile_SymlinkSwappedToEtcPasswd_Is404Everywhere()
    {
        var (search, server) = await StartAsync();
        await using var _ = server;
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v1/images/1")).StatusCode);

        // The attack of the issue: anyone who can write to an indexed folder replaces a photo with a link.
        Swap(() => File.CreateSymbolicLink(PathOf(1), "/etc/passwd"));
        await AssertNotServedAsync(server, 1, "outside the indexed folders");

        Swap(() => File.CreateSymbolicLink(PathOf(1), "/proc/self/environ"));
        await AssertNotServedAsync(server, 1, "outside the indexed folders");
        Assert.Empty(await search.StaleIdsAsync());

        // The other photos are untouched.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v1/images/2/thumbnail")).StatusCode);
    }

    [SkippableFact]
    public async Task IndexedFile_LinkToAnIdenticalCopyOutsideTheFolders_Is404()
    {
        var (search, server) = await StartAsync();
        await using var _ = server;

        // Same bytes, same size, same modification time: only the real path gives it away.
        string outside = Path.Combine(_root, "elsewhere", Photo);
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        File.Copy(PathOf(1), outside);
        File.SetLastWriteTimeUtc(outside, File.GetLastWriteTimeUtc(PathOf(1)));
        Swap(() => File.CreateSymbolicLink(PathOf(1), outside));
        await AssertNotServedAsync(server, 1, "outside the indexed folders");
        Assert.Empty(await search.StaleIdsAsync());
    }

    [SkippableFact]
    public async Task IndexedFile_LinkToAnIdenticalCopyInsideTheFolders_IsServed()
    {
        var (_, server) = await StartAsync();
        await using var __ = server;
        string inside = Path.Combine(Photos, "sub", "copy.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(inside)!);
        byte[] bytes = await File.ReadAllBytesAsync(PathOf(1));
        File.Copy(PathOf(1), inside);
        File.SetLastWriteTimeUtc(inside, File.GetLastWriteTimeUtc(PathOf(1)));
        Swap(() => File.CreateSymbolicLink(PathOf(1), Path.Combine("sub", "copy.jpg")));
        var response = await server.Client.GetAsync("/v1/images/1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [SkippableFact]
    public async Task IndexedFile_HardLinkToAnotherFile_Is404AndMarkedForReindexing()
    {
        var (search, server) = await StartAsync();
        await using var _ = server;

        // A hard link is the other file under the indexed name: its real path is inside, its size and time are not the record's.
        string secret = Path.Combine(_root, "secret.txt");
        await File.WriteAllTextAsync(secret, "the server must never send this");
        Swap(() => Run("ln", secret, PathOf(1)));
        await AssertNotServedAsync(server, 1, "changed on disk");
        Assert.Equal([1L], await search.StaleIdsAsync());
    }

    [SkippableFact]
    public async Task IndexedFile_SameSizeReplacement_Is404AndMarkedForReindexing()
    {
        var (search, server) = await StartAsync();
        await using var _ = server;
        var info = new FileInfo(PathOf(1));
        long size = info.Length;
        DateTime modified = info.LastWriteTimeUtc;

        // Another JPEG of exactly the same size: a new modification time gives it away.
        byte[] other = await File.ReadAllBytesAsync(PathOf(2));
        byte[] same = new byte[size];
        other.AsSpan(0, (int)Math.Min(other.Length, size)).CopyTo(same);
        await File.WriteAllBytesAsync(PathOf(1), same);
        File.SetLastWriteTimeUtc(PathOf(1), modified.AddSeconds(5));
        await AssertNotServedAsync(server, 1, "changed on disk");
        Assert.Equal([1L], await search.StaleIdsAsync());

        // Marked: left out of searches until it is indexed again.
        var hits = await RunningServer.ReadJsonAsync(await server.Client.PostAsync("/v1/search", RunningServer.Json(new { text = "kite", limit = 10 })));
        Assert.DoesNotContain(hits.GetProperty("results").EnumerateArray(), r => r.GetProperty("id").GetInt64() == 1);
    }

    [SkippableFact]
    public async Task IndexedFile_SameSizeNonImageWithTheOldTime_Is404()
    {
        var (_, server) = await StartAsync();
        await using var __ = server;
        var info = new FileInfo(PathOf(1));
        DateTime modified = info.LastWriteTimeUtc;
        byte[] text = new byte[info.Length];
        text.AsSpan().Fill((byte)'x');
        await File.WriteAllBytesAsync(PathOf(1), text);
        File.SetLastWriteTimeUtc(PathOf(1), modified);
        await AssertNotServedAsync(server, 1, "no longer an image");
    }

    [SkippableFact]
    public async Task IndexedFile_FifoSwappedIn_Is404WithoutWaitingForAWriter()
    {
        var (_, server) = await StartAsync();
        await using var __ = server;
        Swap(() => Run("mkfifo", PathOf(1)));
        await AssertNotServedAsync(server, 1, "no longer a file");
    }

    [SkippableFact]
    public async Task IndexedFile_FolderInItsPlaceOrVanished_Is404()
    {
        var (_, server) = await StartAsync();
        await using var __ = server;
        Swap(() => Directory.CreateDirectory(PathOf(1)));
        await AssertNotServedAsync(server, 1, "no longer a file");
        File.Delete(PathOf(2));
        await AssertNotServedAsync(server, 2, "no longer on disk");
    }

    [SkippableFact]
    public async Task Serve_PhotoChangedOnDisk_IsMarkedAndReEmbeddedByTheNextIndexRun()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "links and FIFOs as on Linux");
        CopyPhotos();
        string model = TestData.Path("models", "micro", "openclip");
        string indexDir = Path.Combine(_root, "index");
        Assert.Equal(0, await CliAsync("index", Photos, "--index", indexDir, "--model", model));

        using var clip = ClipModel.Load(model);
        long id;
        await using (var server = await RunningServer.StartAsync(new ClipModelEmbedder(clip, fastJpegDecode: false), await OpenIndexAsync(indexDir, clip)))
        {
            var found = await RunningServer.ReadJsonAsync(await server.Client.GetAsync("/v1/search?q=kite&limit=10"));
            id = found.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("name").GetString() == Photo).GetProperty("id").GetInt64();
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/v1/images/{id}")).StatusCode);

            File.SetLastWriteTimeUtc(Path.Combine(Photos, Photo), DateTime.UtcNow.AddMinutes(-1));
            await AssertNotServedAsync(server, id, "changed on disk");
            Assert.Equal(3, (await RunningServer.ReadJsonAsync(await server.Client.GetAsync("/readyz"))).GetProperty("files").GetInt64());
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await Cli.CliApp.RunAsync(["index", Photos, "--index", indexDir, "--model", model, "--json"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true)));
        Assert.Contains("\"embedded\":1", output.ToString(), StringComparison.Ordinal);

        await using (var server = await RunningServer.StartAsync(new ClipModelEmbedder(clip, fastJpegDecode: false), await OpenIndexAsync(indexDir, clip)))
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/v1/images/{id}")).StatusCode);
        }
    }

    /// <summary>The index in <paramref name="folder"/>, checked against <paramref name="model"/> as `clipsharp serve` does (the server disposes it).</summary>
    private static async Task<IPhotoIndex> OpenIndexAsync(string folder, ClipModel model)
    {
        var index = await IndexStores.OpenExistingAsync(folder, null, "clipsharp index DIR…");
        await IndexStores.EnsureModelAsync(index, model);
        return index;
    }

    /// <summary>Copies three photos into a fresh folder and serves them with the fake model.</summary>
    private async Task<(TestIndex Search, RunningServer Server)> StartAsync()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "links and FIFOs as on Linux");
        string[] files = CopyPhotos();
        var search = await TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension,
            files.Select(f => new TestIndexFile(Path.GetFullPath(f), FakeClipEmbedder.TextVector(Path.GetFileNameWithoutExtension(f).Replace('-', ' ')))));
        return (search, await RunningServer.StartAsync(search: search));
    }

    private string[] CopyPhotos()
    {
        Directory.CreateDirectory(Photos);
        return [.. new[] { Photo, "forest-stream.jpg", "coffee-cup.png" }.Select(name =>
        {
            string target = Path.Combine(Photos, name);
            File.Copy(TestData.Path("photos", name), target);
            return target;
        })];
    }

    private string PathOf(long id) => Path.Combine(Photos, id switch { 1 => Photo, 2 => "forest-stream.jpg", _ => "coffee-cup.png" });

    /// <summary>Removes photo 1 and puts something else in its place.</summary>
    private void Swap(Action replace)
    {
        string path = PathOf(1);
        if (Directory.Exists(path))
        {
            Directory.Delete(path);
        }
        else
        {
            File.Delete(path);
        }

        replace();
    }

    /// <summary>Asserts a 404 naming <paramref name="why"/> for every way the file of <paramref name="id"/> is read.</summary>
    private static async Task AssertNotServedAsync(RunningServer server, long id, string why)
    {
        var client = server.Client;
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
        {
            () => client.GetAsync($"/v1/images/{id}"),
            () => client.GetAsync($"/v1/images/{id}/thumbnail"),
            () => client.PostAsync("/v1/search", RunningServer.Json(new { imageId = id })),
            () => client.PostAsync("/v1/search", RunningServer.Json(new { terms = new object[] { new { text = "kite" }, new { imageId = id, weight = 0.5 } } })),
            () => client.PostAsync("/v1/classify", RunningServer.Json(new { imageId = id, labels = new[] { "a kite", "a cup" } })),
            () => client.PostAsync("/v1/rank-texts", RunningServer.Json(new { imageId = id, texts = new[] { "a kite", "a cup" } })),
        })
        {
            var response = await request().WaitAsync(TimeSpan.FromSeconds(30));
            var problem = await RunningServer.AssertProblemAsync(response, 404, "not-found");
            Assert.Contains(why, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("/", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var head = new HttpRequestMessage(HttpMethod.Head, $"/v1/images/{id}");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(head)).StatusCode);
    }

    private static async Task<int> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await Cli.CliApp.RunAsync(args, new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true));
        Assert.True(code == 0, error.ToString());
        return code;
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { UseShellExecute = false })!;
        Assert.True(process.WaitForExit(30_000), program + " did not finish");
        Assert.Equal(0, process.ExitCode);
    }
}
