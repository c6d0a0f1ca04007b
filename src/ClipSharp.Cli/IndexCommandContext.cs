using System.CommandLine;
using System.Globalization;
using ClipSharp.Index;
using ClipSharp.Postgres;

namespace ClipSharp.Cli;

/// <summary>What the index commands share: the --index and --store options, opening an index, and finding its model.</summary>
internal static class IndexCommandContext
{
    public const string IndexEnvironmentVariable = IndexStores.IndexEnvironmentVariable;

    /// <summary>The backends besides index folders that the command line opens.</summary>
    public static IReadOnlyList<IIndexStoreProvider> Providers => PostgresIndexStoreProvider.All;

    public static Option<string?> StoreOption() => new("--store")
    {
        Description = $"Where the index lives: a PostgreSQL URL (postgres://user@host/db?schema=clipsharp&vector=halfvec…) or connection string (Host=…;Database=…), or an index folder. Default: ${IndexStores.StoreEnvironmentVariable}, else --index.",
        HelpName = "STORE",
    };

    /// <summary>The store to use (<see cref="IndexStores.Resolve"/>): --store, else $CLIPSHARP_STORE, else the --index folder (or its default).</summary>
    public static string ResolveStore(string? storeOption, string? indexOption)
    {
        if (!string.IsNullOrWhiteSpace(storeOption) && !string.IsNullOrWhiteSpace(indexOption))
        {
            throw new CliUsageException("give either --store or --index, not both");
        }

        return IndexStores.Resolve(storeOption, indexOption, Providers);
    }

    /// <summary>True when <paramref name="store"/> (resolved) is a database, not a folder.</summary>
    public static bool IsDatabase(string store) => IndexStores.IsProvided(store, Providers);

    /// <summary>Opens (creating when needed) the index at a resolved <paramref name="store"/>.</summary>
    public static Task<IPhotoIndex> OpenAsync(string store, PhotoIndexOptions? embeddedOptions, CancellationToken cancellationToken)
        => IndexStores.OpenAsync(store, Providers, embeddedOptions, cancellationToken);

    public static Option<string?> IndexOption() => new("--index")
    {
        Description = $"Index folder. Default: ${IndexEnvironmentVariable}, else $XDG_DATA_HOME/clipsharp/indexes/default.",
        HelpName = "PATH",
    };

    /// <summary>Opens an existing index; a missing one is an error that says how to make it.</summary>
    public static Task<IPhotoIndex> OpenExistingAsync(string? storeOption, string? indexOption, CancellationToken cancellationToken)
        => OpenExistingAsync(ResolveStore(storeOption, indexOption), cancellationToken);

    /// <summary>Opens the existing index at a resolved <paramref name="store"/>; a missing one is an error that says how to make it.</summary>
    public static Task<IPhotoIndex> OpenExistingAsync(string store, CancellationToken cancellationToken)
        => IndexStores.OpenExistingAsync(store, Providers, "clipsharp index DIR…", cancellationToken);

    /// <summary>
    /// The reference to record for a model as it was named: a folder becomes a full path (so it loads from anywhere),
    /// a catalog name stays a name.
    /// </summary>
    public static string ReferenceToRecord(string reference)
        => Directory.Exists(reference) ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(reference)) : reference;

    /// <summary>
    /// The model to query an index with: --model, else the model the index records, else $CLIPSHARP_MODEL.
    /// </summary>
    public static string QueryModelReference(IndexMetadata? meta, string? modelOption)
    {
        string? path = string.IsNullOrWhiteSpace(modelOption) ? IndexStores.RecordedModel(meta) : modelOption;
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Environment.GetEnvironmentVariable(CommandContext.ModelEnvironmentVariable);
        }

        return string.IsNullOrWhiteSpace(path)
            ? throw new CliUsageException($"no model given and the index does not record one: pass --model DIR or set {CommandContext.ModelEnvironmentVariable}")
            : path;
    }

    /// <summary>
    /// Loads the model for querying an index (<see cref="QueryModelReference"/>); it must be the model the index was
    /// built with (<see cref="IndexStores.EnsureModelAsync"/>). Query images are decoded the way the index's vectors were
    /// (fast or exact JPEG decode, recognised by the index's preprocess fingerprint), exactly when that is unknown.
    /// </summary>
    public static async Task<(ClipModel Model, ClipModelEmbedder Embedder)> LoadQueryModelAsync(CommandContext ctx, IPhotoIndex index, string? modelOption, CancellationToken cancellationToken)
    {
        var meta = await index.Store.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        var model = await ctx.LoadModelAsync(QueryModelReference(meta, modelOption), null, offline: false, cancellationToken).ConfigureAwait(false);
        try
        {
            return (model, await IndexStores.EnsureModelAsync(index, model, a => ctx.Note(a.Message), cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public static Option<int> LimitOption() => new("--limit", "-n")
    {
        Description = "Number of results (default 20).",
        DefaultValueFactory = _ => 20,
        HelpName = "N",
    };

    public static Option<float?> MinScoreOption() => new("--min-score")
    {
        Description = "Only results with a cosine similarity of at least this.",
        HelpName = "SCORE",
    };

    public static Option<string?> InOption() => new("--in")
    {
        Description = "Only files inside this folder.",
        HelpName = "FOLDER",
    };

    public static Option<string?> AfterOption() => new("--after")
    {
        Description = "Only photos taken (EXIF date) on or after this date, e.g. 2024-06-01.",
        HelpName = "DATE",
    };

    public static Option<bool> ExactOption() => new("--exact")
    {
        Description = "Scan every vector exactly, even where the approximate (HNSW) index would be used.",
    };

    public static SearchOptions ReadSearchOptions(ParseResult parse, Option<int> limit, Option<float?> minScore, Option<string?> folder, Option<string?> after, Option<bool> exact)
    {
        int n = parse.GetValue(limit);
        if (n < 1)
        {
            throw new CliUsageException("--limit must be at least 1");
        }

        DateTime? afterDate = null;
        if (parse.GetValue(after) is { } text)
        {
            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                throw new CliUsageException($"--after \"{text}\" is not a date (use e.g. 2024-06-01)");
            }

            afterDate = parsed;
        }

        string? inFolder = parse.GetValue(folder);
        if (inFolder is not null && !Directory.Exists(inFolder))
        {
            throw new CliUsageException($"--in: no such folder: {inFolder}");
        }

        return new SearchOptions
        {
            Limit = n,
            MinScore = parse.GetValue(minScore),
            Folder = inFolder,
            TakenAfter = afterDate,
            Exact = parse.GetValue(exact),
        };
    }

    public static void WriteHits(CommandContext ctx, IReadOnlyList<SearchHit> hits, bool json)
    {
        foreach (var hit in hits)
        {
            if (json)
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("path", hit.Path);
                    w.WriteNumber("score", hit.Score);
                    w.WriteNumber("id", hit.Id);
                    if (hit.TakenAt is { } taken)
                    {
                        w.WriteString("taken", taken.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                    }
                });
            }
            else
            {
                ctx.Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{hit.Score:0.0000}  {CliText.Path(hit.Path)}"));
            }
        }

        if (!json && hits.Count == 0)
        {
            ctx.Console.Error.WriteLine("no results");
        }
    }
}
