using System.CommandLine;
using System.Globalization;
using ClipSharp.Index;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp dupes [--threshold 0.97]</c>: exact and near duplicates in the index.</summary>
internal static class DupesCommand
{
    public static Command Create(CommandContext ctx)
    {
        var index = IndexCommandContext.IndexOption();
        var store = IndexCommandContext.StoreOption();
        var threshold = new Option<float>("--threshold") { Description = "Cosine similarity at or above which two different images are near duplicates (default 0.97).", DefaultValueFactory = _ => 0.97f, HelpName = "COSINE" };
        var json = CommandContext.JsonOption();
        json.Description = "Print JSON lines, one object per group: {\"kind\": \"exact\"|\"near\", \"paths\": […]}.";
        var command = new Command("dupes", "List groups of duplicate photos: exact (same content) and near (cosine at or above the threshold).") { index, store, threshold, json };
        command.SetAction(async (parse, cancel) =>
        {
            float t = parse.GetValue(threshold);
            if (!(t > 0 && t <= 1))
            {
                throw new CliUsageException("--threshold must be in (0, 1]");
            }

            await using var photoIndex = await IndexCommandContext.OpenExistingAsync(parse.GetValue(store), parse.GetValue(index), cancel).ConfigureAwait(false);
            var groups = await photoIndex.FindDuplicatesAsync(t, cancel).ConfigureAwait(false);
            bool asJson = parse.GetValue(json);
            foreach (var g in groups)
            {
                string kind = g.Kind == DuplicateKind.Exact ? "exact" : "near";
                if (asJson)
                {
                    JsonLines.Write(ctx.Console.Out, w =>
                    {
                        w.WriteString("kind", kind);
                        w.WriteStartArray("paths");
                        foreach (string p in g.Paths)
                        {
                            w.WriteStringValue(p);
                        }

                        w.WriteEndArray();
                        w.WriteNumber("minScore", g.MinScore);
                    });
                }
                else
                {
                    ctx.Console.Out.WriteLine(g.Kind == DuplicateKind.Exact
                        ? $"exact ({g.Paths.Count} copies):"
                        : string.Create(CultureInfo.InvariantCulture, $"near ({g.Paths.Count} images, cosine ≥ {g.MinScore:0.0000}):"));
                    foreach (string p in g.Paths)
                    {
                        ctx.Console.Out.WriteLine("  " + CliText.Path(p));
                    }
                }
            }

            if (!asJson && groups.Count == 0)
            {
                ctx.Console.Error.WriteLine("no duplicates");
            }

            return CliApp.Ok;
        });
        return command;
    }
}
