using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// The indexer against every backend: indexing photos + edge twice, then touching, changing, renaming, deleting and
/// adding files; model changes; globs; cancelling and resuming.
/// </summary>
public abstract class IndexingConformanceTests : IAsyncLifetime
{
    private readonly TempFolder _temp = new();

    protected abstract IndexBackend CreateBackend();

    protected IndexBackend Backend { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<(IPhotoIndex Index, string Photos)> IndexedCopyAsync()
    {
        string photos = Corpus.CopyPhotosAndEdge(_temp.Sub("library"));
        var index = await Backend.OpenAsync();
        await Run(index, new FakeClipEmbedder(), photos);
        return (index, photos);
    }

    private static Task<IndexRunResult> Run(IPhotoIndex index, FakeClipEmbedder embedder, string folder, IndexerOptions? options = null)
        => new Indexer(index.Store, embedder, options).RunAsync([folder]);

    private static async Task<Dictionary<string, IndexedFile>> Files(IPhotoIndex index)
    {
        var all = new Dictionary<string, IndexedFile>(StringComparer.Ordinal);
        await foreach (var f in index.Store.ListFilesAsync(true))
        {
            all.Add(f.Path, f);
        }

        return all;
    }

    [SkippableFact]
    public async Task Indexer_SecondRunOverUnchangedFolders_EmbedsNothing()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        var first = await Files(index);
        Assert.True(first.Count >= 37 + 20, $"only {first.Count} files indexed");

        var embedder = new FakeClipEmbedder();
        var second = await Run(index, embedder, photos);

        Assert.Equal(0, embedder.EmbedCount);
        Assert.Equal(0, second.Embedded);
        Assert.Equal(0, second.Reused);
        Assert.Equal(0, second.Deleted);
        Assert.Equal(first.Keys.Order(), (await Files(index)).Keys.Order());
    }

    [SkippableFact]
    public async Task Indexer_FileTouchedButContentUnchanged_ReusesItsVector()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        string file = Path.Combine(photos, "photos", "forest-path.jpg");
        var before = (await Files(index))[file];
        var newTime = DateTime.UtcNow.AddMinutes(5);
        File.SetLastWriteTimeUtc(file, newTime);

        var embedder = new FakeClipEmbedder();
        var result = await Run(index, embedder, photos);

        Assert.Equal(0, embedder.EmbedCount);
        Assert.Equal(1, result.Reused);
        var after = (await Files(index))[file];
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(newTime, after.ModifiedUtc);
        Assert.Equal(before.Embedding, after.Embedding);
    }

    [SkippableFact]
    public async Task Indexer_FileContentChanged_ReEmbedsExactlyThatFile()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        string file = Path.Combine(photos, "photos", "kite-in-sky.jpg");
        var before = (await Files(index))[file];
        byte[] bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(file, bytes);

        var embedder = new FakeClipEmbedder();
        await Run(index, embedder, photos);

        Assert.Equal([file], embedder.EmbeddedPaths.ToArray());
        var after = (await Files(index))[file];
        Assert.NotEqual(before.Sha256, after.Sha256);
        Assert.Equal(Backend.AsStored(FakeClipEmbedder.VectorFor(bytes)), after.Embedding);
    }

    [SkippableFact]
    public async Task Indexer_FileRenamed_ReusesItsVectorUnderTheNewPath()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        string from = Path.Combine(photos, "photos", "wall-clock.jpg");
        string to = Path.Combine(photos, "edge", "moved", "renamed-clock.jpg");
        var before = (await Files(index))[from];
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Move(from, to);

        var embedder = new FakeClipEmbedder();
        var result = await Run(index, embedder, photos);

        Assert.Equal(0, embedder.EmbedCount);
        Assert.Equal(1, result.Reused);
        Assert.Equal(1, result.Deleted);
        var files = await Files(index);
        Assert.False(files.ContainsKey(from));
        Assert.Equal(before.Embedding, files[to].Embedding);
        Assert.Equal(before.Sha256, files[to].Sha256);
    }

    [SkippableFact]
    public async Task Indexer_FileDeleted_RemovesItFromTheIndex()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        string file = Path.Combine(photos, "photos", "coffee-cup.png");
        int count = (await Files(index)).Count;
        File.Delete(file);

        var embedder = new FakeClipEmbedder();
        var result = await Run(index, embedder, photos);

        Assert.Equal(0, embedder.EmbedCount);
        Assert.Equal(1, result.Deleted);
        var files = await Files(index);
        Assert.Equal(count - 1, files.Count);
        Assert.False(files.ContainsKey(file));
        Assert.Null(await index.Store.GetByPathAsync(file, false));
    }

    [SkippableFact]
    public async Task Indexer_FileAdded_EmbedsOnlyThatFile()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        string added = Path.Combine(photos, "photos", "new-picture.png");
        Corpus.WritePng(added, seed: 42);

        var embedder = new FakeClipEmbedder();
        await Run(index, embedder, photos);

        Assert.Equal([added], embedder.EmbeddedPaths.ToArray());
        Assert.NotNull(await index.Store.GetByPathAsync(added, true));
    }

    [SkippableFact]
    public async Task Indexer_NewModelOrPreprocessing_ReEmbedsEveryFile()
    {
        var (index, photos) = await IndexedCopyAsync();
        await using var _ = index;
        int count = (await Files(index)).Count;
        var newModel = new FakeClipEmbedder { ModelId = "fake@2" };

        var result = await Run(index, newModel, photos);

        Assert.True(result.ModelChanged);
        Assert.Equal(count, newModel.EmbedCount);
        Assert.All((await Files(index)).Values, f => Assert.StartsWith("fake@2|", f.VectorKey, StringComparison.Ordinal));
        var counts = await index.Store.GetCountsAsync();
        Assert.Equal(0, counts.Stale);

        var newPreprocess = new FakeClipEmbedder { ModelId = "fake@2", PreprocessFingerprint = "fake-preprocess-2" };
        await Run(index, newPreprocess, photos);
        Assert.Equal(count, newPreprocess.EmbedCount);
    }

    [SkippableFact]
    public async Task Indexer_FilesOutsideTheWalkedFolders_AreKept()
    {
        string library = Corpus.CopyPhotosAndEdge(_temp.Sub("library"));
        await using var index = await Backend.OpenAsync();
        await Run(index, new FakeClipEmbedder(), Path.Combine(library, "photos"));
        int photos = (await Files(index)).Count;

        var result = await Run(index, new FakeClipEmbedder(), Path.Combine(library, "edge"));

        Assert.Equal(0, result.Deleted);
        Assert.True((await Files(index)).Count > photos);
    }

    [SkippableFact]
    public async Task Indexer_HiddenNonImageOrGlobExcludedFiles_AreSkipped()
    {
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(Path.Combine(root, ".thumbnails"));
        Directory.CreateDirectory(Path.Combine(root, "raw"));
        Corpus.WritePng(Path.Combine(root, "a.png"), 1);
        Corpus.WritePng(Path.Combine(root, "no-extension"), 2);
        Corpus.WritePng(Path.Combine(root, ".hidden.png"), 3);
        Corpus.WritePng(Path.Combine(root, ".thumbnails", "t.png"), 4);
        Corpus.WritePng(Path.Combine(root, "raw", "r.png"), 5);
        Corpus.WritePng(Path.Combine(root, "skip-me.png"), 6);
        File.WriteAllText(Path.Combine(root, "notes.txt"), "not an image");
        await using var index = await Backend.OpenAsync();

        var result = await Run(index, new FakeClipEmbedder(), root, new IndexerOptions { Exclude = ["raw", "skip-*"] });

        var names = (await Files(index)).Keys.Select(p => Path.GetFileName(p)!).Order().ToArray();
        Assert.Equal(["a.png", "no-extension"], names);
        Assert.Equal(1, result.Skipped);
        Assert.Equal(0, (await index.Store.GetCountsAsync()).Failed);

        await Run(index, new FakeClipEmbedder(), root, new IndexerOptions { Include = ["*.png"], Exclude = ["raw", "skip-*"] });
        Assert.Equal(["a.png"], (await Files(index)).Keys.Select(p => Path.GetFileName(p)!).ToArray());
    }

    [SkippableFact]
    public async Task Indexer_CancelledMidRun_KeepsCommittedBatchesAndTheNextRunFinishes()
    {
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(root);
        for (int i = 0; i < 120; i++)
        {
            Corpus.WritePng(Path.Combine(root, $"p{i:D3}.png"), i);
        }

        await using var index = await Backend.OpenAsync();
        using var cts = new CancellationTokenSource();
        // The cancel comes from inside the model, after its third batch of 8: a fixed point in the run, on any machine.
        var slow = new FakeClipEmbedder
        {
            AfterEachImage = n =>
            {
                if (n == 24)
                {
                    cts.Cancel();
                }
            },
        };
        var progress = new SyncProgress(_ => { });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new Indexer(index.Store, slow, new IndexerOptions { CommitBatchSize = 8 }).RunAsync([root], progress, cts.Token));
        long partial = (await index.Store.GetCountsAsync()).Files;
        // Batches the model returned are committed; the one it was cancelled in (up to 8 images, fewer when the
        // queue ran short) is not.
        Assert.InRange(partial, 17, 24);

        var embedder = new FakeClipEmbedder();
        await Run(index, embedder, root);
        Assert.Equal(120, (await index.Store.GetCountsAsync()).Files);
        Assert.Equal(120 - partial, embedder.EmbedCount);
    }

    [SkippableFact]
    public async Task SymlinkedPhoto_TargetChanges_IsReEmbeddedFromTheTarget()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        using var temp = new TempFolder();
        string root = temp.Sub("pics"), outside = temp.Sub("elsewhere");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(outside);
        string target = Path.Combine(outside, "t.png"), link = Path.Combine(root, "link.png");
        Corpus.WritePng(target, 1);
        File.SetLastWriteTimeUtc(target, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.CreateSymbolicLink(link, target);
        await using var index = await Backend.OpenAsync();
        await Run(index, new FakeClipEmbedder(), root);
        var before = (await Files(index))[link];

        // The target changes; the link itself (its own size and time) does not.
        Corpus.WritePng(target, 2, size: 9);
        File.SetLastWriteTimeUtc(target, new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        var embedder = new FakeClipEmbedder();
        var again = await Run(index, embedder, root);

        var after = (await Files(index))[link];
        Assert.Equal((1L, 0L), (again.Embedded, again.Unchanged));
        Assert.NotEqual(before.Sha256, after.Sha256);
        Assert.Equal(new FileInfo(target).Length, after.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(target))), after.Sha256);
    }

    [SkippableFact]
    public async Task SymlinkAndItsTarget_InOneRoot_AreOnePhotoUnderTheTargetPathWithTheLinkAsAlias()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        string real = Path.Combine(root, "sub", "real.png"), link = Path.Combine(root, "a-link.png");
        Corpus.WritePng(real, 1);
        File.CreateSymbolicLink(link, real);
        await using var index = await Backend.OpenAsync();

        var result = await Run(index, new FakeClipEmbedder(), root);

        Assert.Equal([real], (await Files(index)).Keys.ToArray());
        Assert.Equal([new IndexAlias(link, real)], result.Aliases);
        Assert.DoesNotContain(await index.FindDuplicatesAsync(0.97f), g => g.Kind == DuplicateKind.Exact);
    }

    [SkippableFact]
    public async Task Indexer_HardLinkOrTwoSymlinksToOneFile_IndexesOnePhotoEach()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "device and inode identity is read on Linux");
        using var temp = new TempFolder();
        string root = temp.Sub("pics"), outside = temp.Sub("elsewhere");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(outside);
        Corpus.WritePng(Path.Combine(root, "a.png"), 1);
        Corpus.WritePng(Path.Combine(outside, "o.png"), 2);
        RunTool("ln", Path.Combine(root, "a.png"), Path.Combine(root, "b-hard.png"));
        File.CreateSymbolicLink(Path.Combine(root, "o1.png"), Path.Combine(outside, "o.png"));
        File.CreateSymbolicLink(Path.Combine(root, "o2.png"), Path.Combine(outside, "o.png"));
        await using var index = await Backend.OpenAsync();

        var result = await Run(index, new FakeClipEmbedder(), root);

        Assert.Equal(["a.png", "o1.png"], (await Files(index)).Keys.Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["b-hard.png", "o2.png"], result.Aliases.Select(a => Path.GetFileName(a.Path)!).Order(StringComparer.Ordinal).ToArray());
        Assert.Empty(await index.FindDuplicatesAsync(0.999f));
    }

    [SkippableFact]
    public async Task Indexer_SymlinkedFoldersWithALoop_FollowsThemAndWalksTheLoopOnce()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        using var temp = new TempFolder();
        string root = temp.Sub("pics"), outside = temp.Sub("elsewhere");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        Directory.CreateDirectory(outside);
        Corpus.WritePng(Path.Combine(root, "sub", "a.png"), 1);
        Corpus.WritePng(Path.Combine(outside, "o.png"), 2);
        Directory.CreateSymbolicLink(Path.Combine(root, "linked"), outside);
        Directory.CreateSymbolicLink(Path.Combine(root, "sub", "loop"), root);
        Directory.CreateSymbolicLink(Path.Combine(outside, "back"), outside);
        await using var index = await Backend.OpenAsync();

        var result = await Run(index, new FakeClipEmbedder(), root);

        Assert.Equal([Path.Combine(root, "linked", "o.png"), Path.Combine(root, "sub", "a.png")], (await Files(index)).Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Contains(new IndexAlias(Path.Combine(root, "sub", "loop"), root), result.Aliases);
        Assert.Contains(result.Aliases, a => a.Path == Path.Combine(root, "linked", "back"));
    }

    [SkippableFact]
    public async Task Fifo_InAPhotoFolder_IsSkippedAndCountedWithoutBeingOpened()
    {
        Skip.If(OperatingSystem.IsWindows(), "no FIFOs in Windows folders");
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(root);
        Corpus.WritePng(Path.Combine(root, "a.png"), 1);
        RunTool("mkfifo", Path.Combine(root, "pipe.jpg"));
        await using var index = await Backend.OpenAsync();

        // Opening the FIFO would block for ever; the token turns such a hang into a failure instead.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await new Indexer(index.Store, new FakeClipEmbedder()).RunAsync([root], null, guard.Token);

        Assert.Equal((1L, 1L, 0L), (result.Found, result.NotRegular, result.Failed));
        Assert.Equal(["a.png"], (await Files(index)).Keys.Select(p => Path.GetFileName(p)!).ToArray());
    }

    [SkippableFact]
    public async Task Indexer_FailedFileUnchangedSinceItFailed_CountsItAsFailedAndTheCountsAddUp()
    {
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(root);
        Corpus.WritePng(Path.Combine(root, "a.png"), 1);
        File.WriteAllText(Path.Combine(root, "broken.jpg"), "not a jpeg");
        File.WriteAllText(Path.Combine(root, "notes.txt"), "not an image");
        await using var index = await Backend.OpenAsync();
        var first = await Run(index, new FakeClipEmbedder(), root);

        var second = await Run(index, new FakeClipEmbedder(), root);

        Assert.Equal((1L, 1L, 1L, 1L), (first.Embedded, first.Failed, first.Skipped, first.Found - 2));
        // notes.txt, recorded as not an image, is unchanged too.
        Assert.Equal((2L, 1L, 0L, 0L), (second.Unchanged, second.UnchangedFailed, second.Failed, second.Skipped));
        foreach (var r in new[] { first, second })
        {
            Assert.Equal(r.Found, r.Unchanged + r.UnchangedFailed + r.Embedded + r.Reused + r.Failed + r.Skipped + r.Vanished);
        }
    }

    [SkippableFact]
    public async Task Progress_EveryReport_CountsWhatHappenedAndAddsUp()
    {
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(root);
        for (int i = 0; i < 40; i++)
        {
            Corpus.WritePng(Path.Combine(root, $"p{i:D2}.png"), i);
        }

        File.WriteAllText(Path.Combine(root, "broken.jpg"), "not a jpeg");
        File.WriteAllText(Path.Combine(root, "notes.txt"), "not an image");
        await using var index = await Backend.OpenAsync();
        var reports = new List<IndexProgress>();
        var embedder = new FakeClipEmbedder();

        await new Indexer(index.Store, embedder, new IndexerOptions { CommitBatchSize = 8 }).RunAsync([root], new SyncProgress(p => { lock (reports) { reports.Add(p); } }));

        Assert.NotEmpty(reports);
        foreach (var p in reports)
        {
            Assert.True(p.Processed >= p.Embedded + p.Reused + p.Failed && p.Processed <= p.ToProcess && p.Embedded <= embedder.EmbedCount, p.ToString());
        }

        var last = reports[^1];
        Assert.Equal((42L, 42L, 40L, 1L), (last.ToProcess, last.Processed, last.Embedded, last.Failed));
    }

    [SkippableFact]
    public async Task Indexer_NonImageWithUnchangedSizeAndTime_IsReadAgainOnlyOnceItChanges()
    {
        using var temp = new TempFolder();
        string root = temp.Sub("pics");
        Directory.CreateDirectory(root);
        string png = temp.Sub("p.png"), notes = Path.Combine(root, "notes.txt");
        Corpus.WritePng(png, 7);
        byte[] image = File.ReadAllBytes(png);
        File.WriteAllBytes(notes, Enumerable.Repeat((byte)'x', image.Length).ToArray());
        var time = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(notes, time);
        await using var index = await Backend.OpenAsync();
        var first = await Run(index, new FakeClipEmbedder(), root);

        // Same size and time, other content: a run that read the file would find an image now.
        File.WriteAllBytes(notes, image);
        File.SetLastWriteTimeUtc(notes, time);
        var second = await Run(index, new FakeClipEmbedder(), root);
        File.SetLastWriteTimeUtc(notes, time.AddHours(1));
        var third = await Run(index, new FakeClipEmbedder(), root);

        Assert.Equal((1L, 0L), (first.Skipped, first.Embedded));
        Assert.Equal((0L, 1L, 0L), (second.Skipped, second.Unchanged, second.Embedded));
        Assert.Equal(1L, third.Embedded);
        Assert.Empty(await index.Store.ListNonImagesAsync().ToListAsync());
    }

    private static void RunTool(string tool, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(tool, args) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private sealed class SyncProgress(Action<IndexProgress> action) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => action(value);
    }
}
