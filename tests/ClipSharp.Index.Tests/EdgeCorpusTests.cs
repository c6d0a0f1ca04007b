using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The edge corpus: every bad file is recorded with its reason and the run completes.</summary>
public sealed class EdgeCorpusTests
{
    internal static List<(string File, string Outcome)> Cases()
    {
        var rows = new List<(string, string)>();
        foreach (string line in File.ReadAllLines(TestData.Path("edge", "cases.csv")).Skip(1))
        {
            string[] cells = line.Split(',');
            rows.Add((cells[0], cells[4]));
        }

        return rows;
    }

    [SkippableFact]
    public async Task Indexer_EdgeCorpus_CompletesAndListsEachRejectedFileWithAReason()
    {
        using var temp = new TempFolder();
        string edge = temp.Sub("edge");
        TestFolders.CopyFolder(TestData.Path("edge"), edge);
        await using var index = PhotoIndex.Open(temp.Sub("index"));

        var result = await new Indexer(index.Store, new FakeClipEmbedder()).RunAsync([edge]);

        var failures = new Dictionary<string, string>();
        await foreach (var f in index.Store.ListFailuresAsync())
        {
            failures[Path.GetFileName(f.Path)] = f.Reason;
        }

        foreach (var (file, outcome) in Cases())
        {
            if (outcome.StartsWith("reject", StringComparison.Ordinal))
            {
                Assert.True(failures.TryGetValue(file, out string? reason), $"{file} ({outcome}) is not listed as failed");
                Assert.False(string.IsNullOrWhiteSpace(reason));
            }
            else if (outcome.StartsWith("decode-or-reject", StringComparison.Ordinal))
            {
                bool indexed = await index.Store.GetByPathAsync(Path.Combine(edge, file), false) is not null;
                Assert.True(indexed ^ failures.ContainsKey(file), $"{file} must be either indexed or failed with a reason");
            }
            else
            {
                Assert.NotNull(await index.Store.GetByPathAsync(Path.Combine(edge, file), false));
            }
        }

        Assert.StartsWith("too large:", failures["bomb-50000x50000-valid.png"], StringComparison.Ordinal);
        Assert.StartsWith("too large:", failures["jpeg-sof-claims-65500x65500.jpg"], StringComparison.Ordinal);
        Assert.StartsWith("empty file", failures["empty-0-bytes.jpg"], StringComparison.Ordinal);
        Assert.StartsWith("unknown format", failures["text-not-an-image.jpg"], StringComparison.Ordinal);
        Assert.Equal(failures.Count, result.Failed);

        // Unchanged failed files are not retried on the next run.
        var again = new FakeClipEmbedder();
        await new Indexer(index.Store, again).RunAsync([edge]);
        Assert.Equal(0, again.EmbedCount);
    }
}
