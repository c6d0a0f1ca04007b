using System.Text.Json;
using ClipSharp.Cli;
using ClipSharp.Index;
using ClipSharp.Index.Tests;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Postgres.Tests;

/// <summary>
/// The embedded index and PostgreSQL side by side: the same folder gives the same golden top-10; an embedded index
/// migrates with zero re-embedding; the CLI runs on --store.
/// </summary>
public sealed class CrossBackendTests : IAsyncLifetime
{
    private readonly TempFolder _temp = new();
    private readonly SqliteBackend _sqlite = new();
    private readonly PostgresBackend _postgres = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        await _sqlite.DisposeAsync();
        _temp.Dispose();
    }

    private static string[] GoldenTexts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "search.json")));
        return doc.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
    }

    [SkippableFact]
    public async Task SqliteAndPostgres_SameFolderIndexed_ReturnTheSameTop10AndDuplicates()
    {
        string images = TestData.Path("golden", "images");
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var embedder = new ClipModelEmbedder(model);
        await using var embedded = await _sqlite.OpenAsync();
        await using var postgres = await _postgres.OpenAsync();
        await new Indexer(embedded.Store, embedder).RunAsync([images]);
        await new Indexer(postgres.Store, embedder).RunAsync([images]);

        foreach (string text in GoldenTexts())
        {
            float[] query = SearchQuery.Embed(SearchQuery.Parse(text, _ => false), embedder);
            var a = await embedded.SearchAsync(query, new SearchOptions { Limit = 10 });
            var b = await postgres.SearchAsync(query, new SearchOptions { Limit = 10 });
            Assert.Equal(10, a.Count);
            Assert.Equal(a.Select(h => h.Path), b.Select(h => h.Path));
            for (int i = 0; i < a.Count; i++)
            {
                Assert.True(Math.Abs(a[i].Score - b[i].Score) <= 1e-5f, $"\"{text}\" {a[i].Path}: {a[i].Score} vs {b[i].Score}");
            }
        }

        var dupesA = await embedded.FindDuplicatesAsync(0.9f);
        var dupesB = await postgres.FindDuplicatesAsync(0.9f);
        Assert.Equal(dupesA.Select(g => (g.Kind, string.Join("|", g.Paths))), dupesB.Select(g => (g.Kind, string.Join("|", g.Paths))));
    }

    [SkippableFact]
    public async Task IndexMigration_EmbeddedToPostgres_CopiesEveryRecordWithoutReEmbedding()
    {
        string photos = Corpus.CopyPhotosAndEdge(_temp.Sub("library"));
        await using var source = await _sqlite.OpenAsync();
        var first = new FakeClipEmbedder();
        await new Indexer(source.Store, first).RunAsync([photos]);
        Assert.True(first.EmbedCount > 0);
        var sourceCounts = await source.Store.GetCountsAsync();

        await using var target = await _postgres.OpenAsync();
        var copied = await IndexMigration.CopyAsync(source.Store, target.Store, batchSize: 16);
        // Idempotent: running it again changes nothing.
        await IndexMigration.CopyAsync(source.Store, target.Store, batchSize: 16);

        Assert.Equal(sourceCounts.Files, copied.Files);
        Assert.Equal(sourceCounts, await target.Store.GetCountsAsync());
        Assert.Equal(await source.Store.GetMetadataAsync(), await target.Store.GetMetadataAsync());
        var a = await All(source.Store);
        var b = await All(target.Store);
        Assert.Equal(a.Select(f => f with { Id = 0 }).Select(Key), b.Select(f => f with { Id = 0 }).Select(Key));

        // The counter: indexing the same folder into the migrated store embeds nothing, re-uses nothing.
        var counter = new FakeClipEmbedder();
        var run = await new Indexer(target.Store, counter).RunAsync([photos]);
        Assert.Equal(0, counter.EmbedCount);
        Assert.Equal(0, run.Embedded);
        Assert.Equal(0, run.Reused);
        Assert.Equal(0, run.Deleted);
        Assert.Equal(sourceCounts, await target.Store.GetCountsAsync());
    }

    private static string Key(IndexedFile f)
        => $"{f.Path}|{f.Size}|{f.ModifiedUtc.Ticks}|{f.Sha256}|{f.Width}|{f.Height}|{f.TakenAt?.Ticks}|{f.VectorKey}|{string.Join(",", f.Embedding!)}";

    private static async Task<List<IndexedFile>> All(IIndexStore store)
    {
        var list = new List<IndexedFile>();
        await foreach (var f in store.ListFilesAsync(true))
        {
            list.Add(f);
        }

        return list;
    }

    [SkippableFact]
    public async Task Serve_PostgresStore_SearchesAndServesThumbnailsLikeTheEmbeddedIndex()
    {
        string images = TestData.Path("golden", "images");
        string model = Golden.ModelDir("openclip");
        string folder = _sqlite.StoreString("serve");
        string store = _postgres.StoreString("serve");
        Assert.Equal(0, CliRunner.Run("index", images, "--store", store, "--model", model).ExitCode);
        Assert.Equal(0, CliRunner.Run("index", images, "--index", folder, "--model", model).ExitCode);
        string text = GoldenTexts()[0];
        string expectedBest = CliRunner.Run("search", text, "--index", folder, "--json", "--limit", "1").Out.Split('\n')[0];

        var sb = new System.Text.StringBuilder();
        using var output = TextWriter.Synchronized(new StringWriter(sb));
        using var error = TextWriter.Synchronized(new StringWriter());
        using var stop = new CancellationTokenSource();
        var run = CliApp.RunAsync(["serve", "--store", store, "--urls", "http://127.0.0.1:0"], new CliConsole(output, error, TextReader.Null, outputRedirected: true), stop.Token);
        string Written()
        {
            lock (output)
            {
                return sb.ToString();
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!Written().Contains("ready\n", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, "serve ended early: " + error);
            Assert.True(DateTime.UtcNow < deadline, "serve did not get ready: " + Written() + error);
            await Task.Delay(50);
        }

        string address = Written().Split('\n').Single(l => l.StartsWith("listening on ", StringComparison.Ordinal))["listening on ".Length..].Trim();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        using var found = JsonDocument.Parse(await client.GetStringAsync("/v1/search?q=" + Uri.EscapeDataString(text) + "&limit=3"));
        var best = found.RootElement.GetProperty("results")[0];
        using var expected = JsonDocument.Parse(expectedBest);
        Assert.Equal(expected.RootElement.GetProperty("path").GetString(), best.GetProperty("path").GetString());
        Assert.Equal(expected.RootElement.GetProperty("score").GetDouble(), best.GetProperty("score").GetDouble(), 1e-5);
        var thumbnail = await client.GetAsync($"/v1/images/{best.GetProperty("id").GetInt64()}/thumbnail");
        Assert.Equal(System.Net.HttpStatusCode.OK, thumbnail.StatusCode);

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [SkippableFact]
    public async Task Cli_PostgresStore_IndexesMigratesSearchesAndListsDuplicates()
    {
        string images = TestData.Path("golden", "images");
        string model = Golden.ModelDir("openclip");
        string folder = _sqlite.StoreString("cli");
        string store = _postgres.StoreString("cli");
        string migrated = _postgres.StoreString("migrated");

        var indexed = CliRunner.Run("index", images, "--store", store, "--model", model, "--json");
        Assert.True(indexed.ExitCode == 0, indexed.Error);
        Assert.Equal(0, CliRunner.Run("index", images, "--index", folder, "--model", model, "--json").ExitCode);
        var status = CliRunner.Run("index", "status", "--store", store, "--json");
        Assert.True(status.ExitCode == 0, status.Error);
        using var statusJson = JsonDocument.Parse(status.Out);
        int files = statusJson.RootElement.GetProperty("files").GetInt32();
        Assert.True(files >= 10);
        Assert.DoesNotContain("Password", status.Out, StringComparison.OrdinalIgnoreCase);

        var migrate = CliRunner.Run("index", "migrate", "--from", folder, "--to", migrated, "--json");
        Assert.True(migrate.ExitCode == 0, migrate.Error);
        using (var m = JsonDocument.Parse(migrate.Out))
        {
            Assert.Equal(files, m.RootElement.GetProperty("files").GetInt32());
        }

        string text = GoldenTexts()[0];
        var embeddedHits = CliRunner.Run("search", text, "--index", folder, "--json", "--limit", "10", "--model", model).Out;
        var postgresHits = CliRunner.Run("search", text, "--store", store, "--json", "--limit", "10");
        Assert.True(postgresHits.ExitCode == 0, postgresHits.Error);
        Assert.Equal(Paths(embeddedHits), Paths(postgresHits.Out));
        Assert.Equal(Paths(embeddedHits), Paths(CliRunner.Run("search", text, "--store", migrated, "--json", "--limit", "10").Out));

        string probe = Directory.EnumerateFiles(images).Order(StringComparer.Ordinal).First();
        Assert.Equal(Paths(CliRunner.Run("similar", probe, "--index", folder, "--json", "--limit", "5").Out),
            Paths(CliRunner.Run("similar", probe, "--store", migrated, "--json", "--limit", "5").Out));
        var dupes = CliRunner.Run("dupes", "--store", migrated, "--json", "--threshold", "0.9");
        Assert.True(dupes.ExitCode == 0, dupes.Error);
        var expected = Groups(CliRunner.Run("dupes", "--index", folder, "--json", "--threshold", "0.9").Out);
        var actual = Groups(dupes.Out);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(g => g.Paths), actual.Select(g => g.Paths));
        Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First.MinScore - p.Second.MinScore) <= 1e-5));
    }

    private static List<(string Paths, double MinScore)> Groups(string jsonLines)
    {
        return jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var e = JsonDocument.Parse(l).RootElement;
            return (e.GetProperty("kind").GetString() + ":" + string.Join("|", e.GetProperty("paths").EnumerateArray().Select(p => p.GetString())), e.GetProperty("minScore").GetDouble());
        }).ToList();
    }

    private static string Paths(string jsonLines) => string.Join("\n", jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()));
}
