using System.CommandLine;
using ClipSharp.Index;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp search "QUERY"</c> and <c>clipsharp similar IMAGE</c>.</summary>
internal static class SearchCommand
{
    public static Command Create(CommandContext ctx)
    {
        var query = new Argument<string>("query")
        {
            Description = "What to find: text, an image file, or a sum of terms. Terms are joined by a + or - standing alone (\"dog + beach - night\"; \"t-shirt\" stays one word). "
                + "A term is an image when it looks like a path: it contains / or \\ (./cat.jpg), starts with ~ (your home folder), or ends with an image extension (cat.jpg); "
                + "or when written image:PATH. text:WORDS forces text (text:notes/ideas). An image term that does not exist is an error. "
                + "A weight is written (TERM):W, e.g. \"(sunset boat):1.5 + ~/Pictures/cat.jpg - (night):0.5\".",
        };
        var command = new Command("search", "Search the photo index by text, image, or both; prints paths with cosine scores, best first. Exit codes: 0 ok (also with no results), 1 the index or model could not be used, 2 a usage mistake (empty or malformed query, missing image term), 130 interrupted.") { query };
        var (index, store, model, limit, minScore, inFolder, after, exact, json) = HitOptions.AddTo(command, "Model folder (default: $CLIPSHARP_MODEL, else the one the index was built with).");
        command.SetAction(async (parse, cancel) =>
        {
            var options = IndexCommandContext.ReadSearchOptions(parse, limit, minScore, inFolder, after, exact);
            IReadOnlyList<QueryTerm> terms;
            try
            {
                terms = SearchQuery.Parse(parse.GetValue(query) ?? "");
            }
            catch (ClipSharpException ex)
            {
                // A query that cannot be read is a command-line mistake (exit 2), found before any index or model is opened.
                throw new CliUsageException(ex.Message);
            }

            await using var photoIndex = await IndexCommandContext.OpenExistingAsync(parse.GetValue(store), parse.GetValue(index), cancel).ConfigureAwait(false);
            var (clip, embedder) = await IndexCommandContext.LoadQueryModelAsync(ctx, photoIndex, parse.GetValue(model), cancel).ConfigureAwait(false);
            using (clip)
            {
                float[] vector = SearchQuery.Embed(terms, embedder, cancel);
                var hits = await photoIndex.SearchAsync(vector, options, cancel).ConfigureAwait(false);
                IndexCommandContext.WriteHits(ctx, hits, parse.GetValue(json));
            }

            return CliApp.Ok;
        });
        return command;
    }

    public static Command CreateSimilar(CommandContext ctx)
    {
        var image = new Argument<string>("image") { Description = "An image file, inside the index (its stored vector is used) or outside it (embedded with the model)." };
        var command = new Command("similar", "Find the indexed photos most similar to an image (the image itself is left out).") { image };
        var (index, store, model, limit, minScore, inFolder, after, exact, json) = HitOptions.AddTo(command, "Model folder, for an image outside the index (default: $CLIPSHARP_MODEL, else the one the index was built with).");
        command.SetAction(async (parse, cancel) =>
        {
            var options = IndexCommandContext.ReadSearchOptions(parse, limit, minScore, inFolder, after, exact);
            string path = Path.GetFullPath(parse.GetValue(image)!);
            if (!File.Exists(path))
            {
                throw new CliUsageException($"no such file: {parse.GetValue(image)}");
            }

            await using var photoIndex = await IndexCommandContext.OpenExistingAsync(parse.GetValue(store), parse.GetValue(index), cancel).ConfigureAwait(false);
            var meta = await photoIndex.Store.GetMetadataAsync(cancel).ConfigureAwait(false);
            var stored = await photoIndex.Store.GetByPathAsync(path, true, cancel).ConfigureAwait(false);
            float[] vector;
            if (stored?.Embedding is { } embedding && meta is not null && stored.VectorKey == meta.VectorKey
                && stored.Size == new FileInfo(path).Length && stored.ModifiedUtc == File.GetLastWriteTimeUtc(path))
            {
                vector = embedding;
            }
            else
            {
                var (clip, embedder) = await IndexCommandContext.LoadQueryModelAsync(ctx, photoIndex, parse.GetValue(model), cancel).ConfigureAwait(false);
                using (clip)
                {
                    var result = embedder.EmbedImageFiles([path], cancel)[0];
                    vector = result.Embedding ?? throw result.Error!;
                }
            }

            var hits = await photoIndex.SearchAsync(vector, options with { Limit = options.Limit + 1 }, cancel).ConfigureAwait(false);
            var others = hits.Where(h => h.Path != path).Take(options.Limit).ToList();
            IndexCommandContext.WriteHits(ctx, others, parse.GetValue(json));
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>The options search and similar share: where the index is, which model, and which hits to print.</summary>
    private static class HitOptions
    {
        public static (Option<string?> Index, Option<string?> Store, Option<string?> Model, Option<int> Limit, Option<float?> MinScore, Option<string?> In, Option<string?> After, Option<bool> Exact, Option<bool> Json)
            AddTo(Command command, string modelDescription)
        {
            var model = CommandContext.ModelOption();
            model.Description = modelDescription;
            var json = CommandContext.JsonOption();
            json.Description = "Print JSON lines, one object per hit, best first: {\"path\", \"score\", …}.";
            var index = IndexCommandContext.IndexOption();
            var store = IndexCommandContext.StoreOption();
            var limit = IndexCommandContext.LimitOption();
            var minScore = IndexCommandContext.MinScoreOption();
            var inFolder = IndexCommandContext.InOption();
            var after = IndexCommandContext.AfterOption();
            var exact = IndexCommandContext.ExactOption();
            foreach (Option option in new Option[] { index, store, model, limit, minScore, inFolder, after, exact, json })
            {
                command.Add(option);
            }

            return (index, store, model, limit, minScore, inFolder, after, exact, json);
        }
    }
}
