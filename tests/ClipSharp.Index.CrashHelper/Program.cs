using System.Globalization;
using ClipSharp.Index;
using ClipSharp.Postgres;

// Test helper: indexes a folder with the deterministic fake embedder, so the crash test can kill -9 a real
// process at random moments. Usage: CrashHelper STORE FOLDER DELAY_MS_PER_IMAGE COMMIT_BATCH, where STORE is an
// index folder or a PostgreSQL store string. Prints "started", then "processed N" as commits land.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: CrashHelper STORE FOLDER DELAY_MS COMMIT_BATCH");
    return 2;
}

var embedder = new FakeClipEmbedder { DelayPerImage = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture)) };
await using var index = await IndexStoreFactory.OpenAsync(args[0]);
var indexer = new Indexer(index.Store, embedder, new IndexerOptions { CommitBatchSize = int.Parse(args[3], CultureInfo.InvariantCulture) });
// The test times its kills from these lines, so process start-up (slow on a loaded machine) never eats the window.
Console.WriteLine("started");
var result = await indexer.RunAsync([args[1]], new LineProgress());
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedded {result.Embedded} reused {result.Reused} failed {result.Failed}"));
return 0;

internal sealed class LineProgress : IProgress<IndexProgress>
{
    public void Report(IndexProgress value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"processed {value.Processed}"));
}
