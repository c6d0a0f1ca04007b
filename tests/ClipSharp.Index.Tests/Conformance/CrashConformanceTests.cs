using System.Diagnostics;
using System.Globalization;
using ClipSharp.Tests;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Index.Tests;

/// <summary>
/// kill -9 at random moments, against every backend: a child process indexes a folder of 300 images and is killed
/// (SIGKILL) repeatedly, then resumed; the result must equal a clean index of the same folder.
/// </summary>
/// <remarks>
/// Kills are timed from what the child reports, not from the wall clock alone, so they land mid-run on a fast machine
/// and a loaded one alike: some before the run's first commit, the rest a random moment after a commit, while the next
/// batches are being embedded or written. The fake model's delay bounds how much one run can commit.
/// </remarks>
public abstract class CrashConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Images = 300;

    /// <summary>How many kills must land while the child is running.</summary>
    protected virtual int RequiredKills => 10;

    /// <summary>After the child's first commit, the kill comes up to this many milliseconds later (uniform).</summary>
    protected virtual int KillAfterCommitMaxMs => 300;

    /// <summary>The child's fake embedder sleeps this long per image, so that each run commits only part of the folder.</summary>
    protected virtual int DelayMsPerImage => 30;

    protected abstract IndexBackend CreateBackend();

    /// <summary>Why this backend cannot run the kill test here, or null.</summary>
    protected virtual Task<string?> SkipReasonAsync() => Task.FromResult<string?>(null);

    protected IndexBackend Backend { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Backend.DisposeAsync();

    [SkippableFact]
    public async Task Indexer_KilledRepeatedlyThenResumed_EqualsACleanRun()
    {
        string? skip = await SkipReasonAsync();
        Skip.If(skip is not null, skip);
        using var temp = new TempFolder();
        string pics = temp.Sub("pics");
        Directory.CreateDirectory(Path.Combine(pics, "a"));
        Directory.CreateDirectory(Path.Combine(pics, "b"));
        for (int i = 0; i < Images; i++)
        {
            // Every 25th image is a byte-identical copy of another (re-use under crashes too).
            Corpus.WritePng(Path.Combine(pics, i % 2 == 0 ? "a" : "b", $"img{i:D4}.png"), i % 25 == 24 ? i - 1 : i);
        }

        string crashed = Backend.StoreString("crashed");
        await (await Backend.OpenAsync("crashed")).DisposeAsync();
        var random = new Random(20260527);
        int kills = 0, attempts = 0, midIndexing = 0;
        while (kills < RequiredKills)
        {
            Assert.True(++attempts <= 40, $"only {kills} of {RequiredKills} kills landed mid-run in {attempts - 1} attempts");
            using var started = new ManualResetEventSlim();
            using var committed = new ManualResetEventSlim();
            using var child = StartHelper(crashed, pics, delayMs: DelayMsPerImage, commitBatch: 8, started, committed);
            Assert.True(started.Wait(60_000) || child.HasExited, "the helper did not start indexing within 60 s");
            // One run in four dies before it commits anything (start-up, walk, first batch); the others after a commit.
            bool beforeCommit = random.Next(4) == 0;
            int killAfter = random.Next(0, beforeCommit ? 200 : KillAfterCommitMaxMs);
            if (!beforeCommit)
            {
                var waited = Stopwatch.StartNew();
                while (!committed.Wait(20) && !child.HasExited)
                {
                    Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the helper committed nothing within 60 s");
                }
            }

            bool exited = child.WaitForExit(killAfter);
            if (!exited)
            {
                child.Kill(entireProcessTree: true); // SIGKILL on Unix: no finally blocks, no flush.
                child.WaitForExit();
                kills++;
            }

            long files;
            await using (var peek = await Backend.OpenAsync("crashed"))
            {
                files = (await peek.Store.GetCountsAsync()).Files;
            }

            if (!exited && files is > 0 and < Images)
            {
                midIndexing++;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"attempt {attempts}: {(exited ? "finished before" : "killed")} {killAfter} ms {(beforeCommit ? "after start" : "after its first commit")}; {files} files committed"));
        }

        Assert.True(midIndexing >= RequiredKills / 2, $"only {midIndexing} kills landed while files were being committed");
        using (var resume = StartHelper(crashed, pics, delayMs: 0, commitBatch: 8, started: null, committed: null))
        {
            Assert.True(resume.WaitForExit(120_000), "the resumed run did not finish");
            Assert.Equal(0, resume.ExitCode);
        }

        await using (var cleanIndex = await Backend.OpenAsync("clean"))
        {
            await new Indexer(cleanIndex.Store, new FakeClipEmbedder()).RunAsync([pics]);
        }

        await using var a = await Backend.OpenAsync("crashed");
        await using var b = await Backend.OpenAsync("clean");
        Assert.Equal("ok", await Backend.CheckIntegrityAsync(a));
        var crashedFiles = await All(a.Store);
        var cleanFiles = await All(b.Store);
        Assert.Equal(Images, cleanFiles.Count);
        Assert.Equal(crashedFiles.Count, crashedFiles.Select(f => f.Path).Distinct().Count());
        Assert.Equal(cleanFiles.Select(f => f.Path), crashedFiles.Select(f => f.Path));
        for (int i = 0; i < cleanFiles.Count; i++)
        {
            Assert.Equal(cleanFiles[i].Sha256, crashedFiles[i].Sha256);
            Assert.Equal(cleanFiles[i].Size, crashedFiles[i].Size);
            Assert.Equal(cleanFiles[i].ModifiedUtc, crashedFiles[i].ModifiedUtc);
            for (int d = 0; d < cleanFiles[i].Embedding!.Length; d++)
            {
                Assert.True(Math.Abs(cleanFiles[i].Embedding![d] - crashedFiles[i].Embedding![d]) <= 1e-6f, $"{cleanFiles[i].Path}[{d}]");
            }
        }

        Assert.Equal(0, (await a.Store.GetCountsAsync()).Failed);
    }

    private static async Task<List<IndexedFile>> All(IIndexStore store)
    {
        var list = new List<IndexedFile>();
        await foreach (var f in store.ListFilesAsync(true))
        {
            list.Add(f);
        }

        return list;
    }

    /// <summary>
    /// Starts the helper with the same dotnet host that runs the tests (a `dotnet` found on PATH may be a wrapper
    /// script, and killing a wrapper leaves the real indexer running on).
    /// </summary>
    private static Process StartHelper(string index, string folder, int delayMs, int commitBatch, ManualResetEventSlim? started, ManualResetEventSlim? committed)
    {
        string? host = Environment.ProcessPath;
        var psi = new ProcessStartInfo(host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClipSharp.Index.CrashHelper.dll"));
        psi.ArgumentList.Add(index);
        psi.ArgumentList.Add(folder);
        psi.ArgumentList.Add(delayMs.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(commitBatch.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "started")
            {
                started?.Set();
            }
            else if (e.Data is { } line && line.StartsWith("processed ", StringComparison.Ordinal) && line != "processed 0")
            {
                committed?.Set();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
