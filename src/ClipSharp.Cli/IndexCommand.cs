using System.CommandLine;
using System.Globalization;
using ClipSharp.Index;
using ClipSharp.Postgres;
using Spectre.Console;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp index DIR…</c> (bring the index up to date) and <c>clipsharp index status</c>.</summary>
internal static class IndexCommand
{
    private static readonly TimeSpan s_plainProgressInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_terminalProgressInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create(CommandContext ctx)
    {
        var folders = new Argument<string[]>("dir") { Description = "Photo folders to index (walked recursively).", Arity = ArgumentArity.ZeroOrMore };
        var index = IndexCommandContext.IndexOption();
        var store = IndexCommandContext.StoreOption();
        var model = CommandContext.ModelOption();
        var include = new Option<string[]>("--include") { Description = "Only index files matching this glob (relative to DIR, or the file name); repeatable.", HelpName = "GLOB" };
        var exclude = new Option<string[]>("--exclude") { Description = "Skip files and folders matching this glob; repeatable.", HelpName = "GLOB" };
        var retry = new Option<bool>("--retry-failed") { Description = "Retry files that failed before even if they have not changed." };
        var exact = new Option<bool>("--exact")
        {
            Description = "Decode JPEGs exactly as the reference pipeline (Pillow) does. By default large JPEGs are decoded at a reduced scale inside the DCT, about 3x faster (embedding cosine to the exact decode: mean 0.9999, worst 0.9989 on camera photos). Switching between the two re-embeds every file.",
        };
        var vectors = new Option<string?>("--vectors")
        {
            Description = "How an index folder stores vectors: float32, or float16 (half the disk and memory, exact search about as fast; scores move by at most 5e-4, 1e-5 on average). Float16 on a float32 index converts it in place, nothing re-embedded. Default: what the index has, float32 for a new one. A PostgreSQL store takes vector=halfvec in its URL instead.",
            HelpName = "float32|float16",
        };
        vectors.CompletionSources.Add("float32", "float16");
        var rebuild = new Option<bool>("--rebuild")
        {
            Description = "Re-embed every file with the --model given when it is not the model the index was built with (without it, such a --model is refused).",
        };
        model.Description = "The model to index with. For an existing index the default is the model it was built with (a different one needs --rebuild); for a new index: $CLIPSHARP_MODEL, else " + ClipSharp.Models.ModelCatalog.DefaultModelName + ".";
        var json = CommandContext.JsonOption();
        json.Description = "Print the run's summary as one JSON object.";
        var decodeMemory = CommandContext.DecodeMemoryOption();
        var command = new Command("index", "Bring the photo index up to date with folders: new and changed files are embedded, moved ones re-used, deleted ones removed. Failures are listed and never stop the run.")
        {
            folders, index, store, model, rebuild, include, exclude, retry, exact, vectors, json, decodeMemory,
        };
        command.Add(CreateStatus(ctx));
        command.Add(CreateMigrate(ctx));
        command.SetAction(async (parse, cancel) =>
        {
            string[] dirs = parse.GetValue(folders) ?? [];
            if (dirs.Length == 0)
            {
                throw new CliUsageException("no folders given: clipsharp index DIR… (or clipsharp index status)");
            }

            foreach (string dir in dirs)
            {
                if (!Directory.Exists(dir))
                {
                    throw new CliUsageException($"no such folder: {dir}");
                }
            }

            string target = IndexCommandContext.ResolveStore(parse.GetValue(store), parse.GetValue(index));
            VectorPrecision? precision = parse.GetValue(vectors) switch
            {
                null => null,
                "float32" => VectorPrecision.Float32,
                "float16" => VectorPrecision.Float16,
                var other => throw new CliUsageException($"--vectors is float32 or float16, not \"{other}\""),
            };
            if (precision is not null && IndexCommandContext.IsDatabase(target))
            {
                throw new CliUsageException("--vectors is for an index folder; a PostgreSQL store takes vector=halfvec (or vector) in its URL");
            }

            await using var photoIndex = await IndexCommandContext.OpenAsync(target, new PhotoIndexOptions { Vectors = precision }, cancel).ConfigureAwait(false);
            string indexFolder = photoIndex.Location;

            // The index owns its model: without --model, the one it records; another --model only with --rebuild.
            var meta = await photoIndex.Store.GetMetadataAsync(cancel).ConfigureAwait(false);
            string? given = string.IsNullOrWhiteSpace(parse.GetValue(model)) ? null : parse.GetValue(model);
            string reference = given ?? IndexStores.RecordedModel(meta) ?? CommandContext.ModelReference(null);
            using var clip = await ctx.LoadModelAsync(reference, null, offline: false, cancel, decodeMemory: CommandContext.DecodeMemoryFrom(parse.GetValue(decodeMemory))).ConfigureAwait(false);
            var embedder = new ClipModelEmbedder(clip, fastJpegDecode: !parse.GetValue(exact));
            // An index from a release before content ids records its model under a former id: adopt first, then compare.
            meta = await IndexStores.AdoptModelIdAsync(photoIndex.Store, meta, embedder, a => ctx.Note(a.Message), cancel).ConfigureAwait(false);

            if (meta is not null && !parse.GetValue(rebuild) && meta.ModelId != embedder.ModelId)
            {
                string recorded = IndexStores.RecordedModel(meta) is { } r ? $"{meta.ModelId} ({r})" : meta.ModelId;
                throw new CliUsageException(given is null
                    ? $"{indexFolder} was built with model {recorded}, but {reference} is now {embedder.ModelId}: pass --model with the index's model, or --rebuild to re-embed every file with this one"
                    : $"{indexFolder} was built with model {recorded}, not {embedder.ModelId} ({given}): leave out --model to use the index's own, or add --rebuild to re-embed every file with {given}");
            }
            long converted = photoIndex is PhotoIndex { Store.VectorsConvertedOnOpen: > 0 and var count } ? count : 0;
            if (converted > 0 && !parse.GetValue(json))
            {
                ctx.Console.Out.WriteLine($"{indexFolder}: converted {converted} stored vectors to float16 (nothing re-embedded)");
            }

            var indexer = new Indexer(photoIndex.Store, embedder, new IndexerOptions
            {
                Include = parse.GetValue(include) ?? [],
                Exclude = parse.GetValue(exclude) ?? [],
                RetryFailed = parse.GetValue(retry),
                SkipFolder = photoIndex is PhotoIndex embedded ? embedded.Folder : null,
                ModelReference = IndexCommandContext.ReferenceToRecord(reference),
            });

            IndexRunResult result;
            try
            {
                result = await RunWithProgressAsync(ctx, indexer, dirs, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ctx.Console.Error.WriteLine("stopped: the work done so far is saved; run the same command again to resume");
                return 130;
            }

            if (result.AdoptedModelId is { } adopted)
            {
                ctx.Note(adopted.Message);
            }

            await photoIndex.PrepareAsync(cancel).ConfigureAwait(false);
            var roots = dirs.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)) + Path.DirectorySeparatorChar).ToList();
            var failures = new List<IndexFailure>();
            await foreach (var f in photoIndex.Store.ListFailuresAsync(cancel).ConfigureAwait(false))
            {
                if (roots.Exists(r => f.Path.StartsWith(r, StringComparison.Ordinal)))
                {
                    failures.Add(f);
                }
            }

            var counts = await photoIndex.Store.GetCountsAsync(cancel).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("index", indexFolder);
                    w.WriteNumber("files", counts.Files);
                    w.WriteNumber("found", result.Found);
                    w.WriteNumber("unchanged", result.Unchanged);
                    w.WriteNumber("embedded", result.Embedded);
                    w.WriteNumber("reused", result.Reused);
                    w.WriteNumber("deleted", result.Deleted);
                    w.WriteNumber("skipped", result.Skipped);
                    w.WriteNumber("unchangedFailed", result.UnchangedFailed);
                    w.WriteNumber("failedThisRun", result.Failed);
                    w.WriteNumber("vanished", result.Vanished);
                    w.WriteNumber("notRegular", result.NotRegular);
                    w.WriteStartArray("aliases");
                    foreach (var alias in result.Aliases)
                    {
                        w.WriteStartObject();
                        w.WriteString("path", alias.Path);
                        w.WriteString("indexedAs", alias.Target);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteBoolean("modelChanged", result.ModelChanged);
                    w.WriteString("jpegDecode", embedder.FastJpegDecode ? "fast" : "exact");
                    w.WriteString("vectors", VectorsName(photoIndex));
                    w.WriteNumber("converted", converted);
                    w.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
                    WriteFailures(w, failures);
                });
            }
            else
            {
                var o = ctx.Console.Out;
                bool noWork = result.Embedded + result.Reused + result.Failed + result.Skipped + result.Vanished + result.Deleted == 0 && converted == 0 && !result.ModelChanged;
                if (noWork)
                {
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CliText.Path(indexFolder)}: up to date ({counts.Files} files)"));
                    return CliApp.Ok;
                }

                // The counts add up to what the walk found; failed = failed in this run + failed before and unchanged.
                double rate = result.Embedded / Math.Max(result.Elapsed.TotalSeconds, 1e-3);
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{CliText.Path(indexFolder)}: {counts.Files} files indexed; this run found {result.Found}: {result.Embedded} embedded, {result.Reused} re-used, {result.Unchanged} unchanged, {result.Failed + result.UnchangedFailed} failed, {result.Skipped} not images{(result.Vanished > 0 ? $", {result.Vanished} deleted while indexing" : "")}; {result.Deleted} removed ({rate:0.0} images/s, {result.Elapsed.TotalSeconds:0.0} s)"));
                if (result.ModelChanged)
                {
                    o.WriteLine("the model or its preprocessing (or --exact) changed: every vector was rebuilt");
                }

                if (result.NotRegular > 0)
                {
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"skipped {result.NotRegular} {(result.NotRegular == 1 ? "path that is not a regular file" : "paths that are not regular files")} (FIFOs, sockets, devices, broken links)"));
                }

                foreach (var alias in result.Aliases)
                {
                    o.WriteLine($"alias: {CliText.Path(alias.Path)} is indexed as {CliText.Path(alias.Target)}");
                }

                foreach (var f in failures)
                {
                    o.WriteLine($"failed: {CliText.Path(f.Path)}: {CliText.Path(f.Reason)}");
                }
            }

            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>
    /// Runs the indexer with progress on stderr: on a terminal one line redrawn in place (cleared at the end), else a
    /// plain line at most every 2 s. Nothing is shown while there is nothing to update, so a run with no work prints
    /// only its summary.
    /// </summary>
    private static async Task<IndexRunResult> RunWithProgressAsync(CommandContext ctx, Indexer indexer, string[] dirs, CancellationToken cancel)
    {
        bool terminal = !ctx.Console.OutputRedirected && !Console.IsErrorRedirected;
        var interval = terminal ? s_terminalProgressInterval : s_plainProgressInterval;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double last = double.NegativeInfinity;
        bool drawn = false, stopped = false;
        var lockObject = new object();
        var reporter = new InlineProgress(p =>
        {
            lock (lockObject)
            {
                if (stopped || p.ToProcess == 0 || (p.Processed >= p.ToProcess && p.WalkComplete) || clock.Elapsed.TotalSeconds - last < interval.TotalSeconds)
                {
                    return;
                }

                last = clock.Elapsed.TotalSeconds;
                if (terminal)
                {
                    int width = TerminalWidth();
                    ctx.Console.Error.Write("\r" + IndexProgressLine.Terminal(p, width).PadRight(width - 1));
                    drawn = true;
                }
                else
                {
                    ctx.Console.Error.WriteLine(IndexProgressLine.Plain(p));
                }
            }
        });
        try
        {
            return await indexer.RunAsync(dirs, reporter, cancel).ConfigureAwait(false);
        }
        finally
        {
            lock (lockObject)
            {
                if (drawn)
                {
                    ctx.Console.Error.Write("\r" + new string(' ', TerminalWidth() - 1) + "\r");
                }

                stopped = true;
            }
        }
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    private static Command CreateStatus(CommandContext ctx)
    {
        var index = IndexCommandContext.IndexOption();
        var store = IndexCommandContext.StoreOption();
        var json = CommandContext.JsonOption();
        json.Description = "Print one JSON object.";
        var command = new Command("status", "Show what an index holds: counts, model, size on disk, and every failed file with its reason.") { index, store, json };
        command.SetAction(async (parse, cancel) =>
        {
            await using var photoIndex = await IndexCommandContext.OpenExistingAsync(parse.GetValue(store), parse.GetValue(index), cancel).ConfigureAwait(false);
            var meta = await photoIndex.Store.GetMetadataAsync(cancel).ConfigureAwait(false);
            var counts = await photoIndex.Store.GetCountsAsync(cancel).ConfigureAwait(false);
            var failures = new List<IndexFailure>();
            await foreach (var f in photoIndex.Store.ListFailuresAsync(cancel).ConfigureAwait(false))
            {
                failures.Add(f);
            }

            long bytes = await photoIndex.GetStorageBytesAsync(cancel).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("index", photoIndex.Location);
                    w.WriteNumber("files", counts.Files);
                    w.WriteNumber("current", counts.Current);
                    w.WriteNumber("stale", counts.Stale);
                    if (meta is null)
                    {
                        w.WriteNull("model");
                    }
                    else
                    {
                        w.WriteString("model", meta.ModelId);
                        w.WriteString("modelFolder", meta.ModelFolder);
                        w.WriteString("preprocess", meta.PreprocessFingerprint);
                        w.WriteNumber("dimension", meta.Dimension);
                    }

                    w.WriteString("vectors", VectorsName(photoIndex));
                    w.WriteNumber("schemaVersion", meta?.SchemaVersion ?? (photoIndex is PhotoIndex ? SqliteIndexStore.SchemaVersion : PostgresIndexStore.SchemaVersion));
                    w.WriteNumber("bytes", bytes);
                    WriteFailures(w, failures);
                });
                return CliApp.Ok;
            }

            var o = ctx.Console.Out;
            o.WriteLine($"index:   {photoIndex.Location}");
            o.WriteLine(meta is null ? "model:   (none yet)" : $"model:   {meta.ModelId} ({meta.Dimension}-d){(meta.ModelFolder is null ? "" : " from " + meta.ModelFolder)}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"files:   {counts.Files}{(counts.Stale > 0 ? $" ({counts.Stale} with vectors of another model, to rebuild)" : "")}"));
            o.WriteLine($"vectors: {VectorsName(photoIndex)}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failed:  {failures.Count}"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"on disk: {bytes / 1048576.0:0.0} MiB"));
            foreach (var f in failures)
            {
                o.WriteLine($"  {CliText.Path(f.Path)}: {CliText.Path(f.Reason)}");
            }

            return CliApp.Ok;
        });
        return command;
    }

    private static Command CreateMigrate(CommandContext ctx)
    {
        var from = new Option<string>("--from") { Description = "The index to copy: an index folder (or any store).", HelpName = "PATH", Required = true };
        var to = new Option<string>("--to") { Description = "Where to copy it: a PostgreSQL URL or connection string (or an index folder).", HelpName = "STORE", Required = true };
        var batch = new Option<int>("--batch") { Description = "Files per transaction (default 512).", DefaultValueFactory = _ => 512, HelpName = "N" };
        var json = CommandContext.JsonOption();
        json.Description = "Print the result as one JSON object.";
        var command = new Command("migrate", "Copy an index into another store (e.g. the embedded index into PostgreSQL) with its vectors: nothing is re-embedded. Safe to run again.")
        {
            from, to, batch, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            if (parse.GetValue(batch) < 1)
            {
                throw new CliUsageException("--batch must be at least 1");
            }

            await using var source = await IndexCommandContext.OpenExistingAsync(parse.GetValue(from), null, cancel).ConfigureAwait(false);
            string targetStore = IndexCommandContext.ResolveStore(parse.GetValue(to), null);
            await using var target = await IndexCommandContext.OpenAsync(targetStore, null, cancel).ConfigureAwait(false);
            if (source.Location == target.Location)
            {
                throw new CliUsageException("--from and --to are the same index");
            }

            var result = await IndexMigration.CopyAsync(source.Store, target.Store, parse.GetValue(batch), null, cancel).ConfigureAwait(false);
            // The approximate index is built once, after the bulk load.
            await target.PrepareAsync(cancel).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("from", source.Location);
                    w.WriteString("to", target.Location);
                    w.WriteNumber("files", result.Files);
                    w.WriteNumber("failures", result.Failures);
                    w.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
                });
            }
            else
            {
                ctx.Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"copied {result.Files} files and {result.Failures} failures from {source.Location} to {target.Location} in {result.Elapsed.TotalSeconds:0.0} s (nothing re-embedded)"));
            }

            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>How the index stores vectors, in the words of --vectors (float32, float16).</summary>
    private static string VectorsName(IPhotoIndex index) => index switch
    {
        PhotoIndex embedded => embedded.Store.Precision == VectorPrecision.Float16 ? "float16" : "float32",
        PostgresPhotoIndex postgres => postgres.Store.Options.VectorType == PostgresVectorType.HalfVec ? "float16" : "float32",
        _ => "unknown",
    };

    private static void WriteFailures(System.Text.Json.Utf8JsonWriter w, List<IndexFailure> failures)
    {
        w.WriteStartArray("failed");
        foreach (var f in failures)
        {
            w.WriteStartObject();
            w.WriteString("path", f.Path);
            w.WriteString("reason", f.Reason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private sealed class InlineProgress(Action<IndexProgress> report) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => report(value);
    }
}
