using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ClipSharp.Models;
using Spectre.Console;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp models list|pull|info|rm</c>: the catalog and the local model cache.</summary>
internal static class ModelsCommand
{
    public static Command Create(CommandContext ctx)
    {
        var command = new Command("models", "The catalog of published CLIP models and the local cache of downloaded ones.");
        command.Add(CreateList(ctx));
        command.Add(CreatePull(ctx));
        command.Add(CreateInfo(ctx));
        command.Add(CreateRemove(ctx));
        return command;
    }

    private static Argument<string> NameArgument(string description) => new("name") { Description = description };

    private static (CatalogEntry Entry, string? Variant) Find(string reference)
    {
        var entry = ModelCatalog.Find(reference);
        if (entry is not null)
        {
            return (entry, null);
        }

        var (name, variant) = ModelCatalog.ParseReference(reference);
        entry = ModelCatalog.Find(name)
            ?? throw new CliUsageException($"'{reference}' is not a catalog model; catalog models: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}");
        try
        {
            _ = entry.FilesFor(variant);
        }
        catch (ClipSharpException ex)
        {
            throw new CliUsageException(ex.Message);
        }

        return (entry, variant);
    }

    private static string LayoutName(ModelLayout layout) => layout == ModelLayout.OpenClip ? "openclip" : "hf";

    private static Command CreateList(CommandContext ctx)
    {
        var json = CommandContext.JsonOption();
        var command = new Command("list", "List the catalog: layout, repository, size, and what is cached.") { json };
        command.SetAction(parse =>
        {
            using var hub = ctx.CreateHub(offline: true);
            if (parse.GetValue(json))
            {
                foreach (var e in ModelCatalog.Entries)
                {
                    foreach (string? variant in new string?[] { null }.Concat(e.Variants))
                    {
                        JsonLines.Write(ctx.Console.Out, w =>
                        {
                            w.WriteString("name", variant is null ? e.Name : e.Name + ":" + variant);
                            w.WriteString("layout", LayoutName(e.Layout));
                            w.WriteString("repo", e.Repository);
                            w.WriteString("revision", e.Revision);
                            if (variant is not null)
                            {
                                w.WriteString("variant", variant);
                            }

                            bool cached = hub.IsCached(e, variant);
                            var usage = hub.GetDiskUsage(e, variant);
                            w.WriteNumber("bytes", cached ? usage.ModelBytes : e.ApproximateBytesFor(variant));
                            w.WriteNumber("optimized_bytes", usage.OptimizedBytes);
                            w.WriteBoolean("cached", cached);
                            w.WriteNumber("embed_dim", e.EmbeddingDimension);
                            w.WriteNumber("image_size", e.ImageSize);
                            w.WriteNumber("context_length", e.ContextLength);
                            if (cached)
                            {
                                w.WriteString("path", hub.ModelDirectory(e, variant));
                            }
                        });
                    }
                }

                return CliApp.Ok;
            }

            var table = new Table { Border = TableBorder.Simple };
            foreach (string column in new[] { "name", "layout", "repository", "dim", "image", "size", "optimised", "cached" })
            {
                table.AddColumn(column);
            }

            foreach (var e in ModelCatalog.Entries)
            {
                foreach (string? variant in new string?[] { null }.Concat(e.Variants))
                {
                    bool cached = hub.IsCached(e, variant);
                    var usage = hub.GetDiskUsage(e, variant);
                    table.AddRow(
                        Markup.Escape(variant is null ? e.Name : e.Name + ":" + variant),
                        LayoutName(e.Layout),
                        Markup.Escape(e.Repository),
                        e.EmbeddingDimension.ToString(CultureInfo.InvariantCulture),
                        e.ImageSize.ToString(CultureInfo.InvariantCulture),
                        (cached ? "" : "~") + ModelHub.FormatBytes(cached ? usage.ModelBytes : e.ApproximateBytesFor(variant)),
                        usage.OptimizedBytes > 0 ? ModelHub.FormatBytes(usage.OptimizedBytes) : "",
                        cached ? "yes" : "");
                }
            }

            ctx.Console.Ansi.Write(table);
            ctx.Console.Out.WriteLine($"cache: {hub.ModelsDirectory}  (default model: {ModelCatalog.DefaultModelName})");
            return CliApp.Ok;
        });
        return command;
    }

    private static Command CreatePull(CommandContext ctx)
    {
        var name = NameArgument("Catalog name, optionally NAME:VARIANT (e.g. clip-vit-base-patch32:quantized).");
        var revision = new Option<string?>("--revision")
        {
            Description = "A branch, tag or commit to pull instead of the catalog's (main); every file comes from that one commit, and a cached copy of another commit is replaced.",
            HelpName = "REV",
        };
        var force = new Option<bool>("--force")
        {
            Description = "Download every file again, even when the model, a partial download or a copy elsewhere is on disk.",
        };
        var command = new Command("pull", "Download a catalog model into the cache, every file at one commit and verified against the hub's checksums; interrupted pulls resume, files already on disk (other variants, the Hugging Face cache) are reused.")
        {
            name, revision, force,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (entry, variant) = Find(parse.GetValue(name)!);
            using var hub = ctx.CreateHub(offline: false);
            string label = variant is null ? entry.Name : entry.Name + ":" + variant;
            var options = new ModelPullOptions
            {
                Variant = variant,
                Revision = parse.GetValue(revision),
                Force = parse.GetValue(force),
                CountOptimizedCache = new ClipModelOptions().OptimizedModelCache,
                Progress = new DownloadReporter(ctx.Console),
                Notice = ctx.Warn,
            };
            if (!hub.IsCached(entry, variant) || options.Revision is not null || options.Force)
            {
                ctx.Console.Error.WriteLine(hub.Options.Offline
                    ? $"looking for {label} in the Hugging Face cache (the network is off)"
                    : $"pulling {label} from {entry.Repository} (about {ModelHub.FormatBytes(entry.ApproximateBytesFor(variant))}) via {hub.Options.Endpoint}");
            }

            var result = await hub.PullAsync(entry, options, cancel).ConfigureAwait(false);
            string commit = result.Commit is null ? "" : $", commit {result.Commit[..7]}";
            ctx.Console.Out.WriteLine(result.AlreadyCached
                ? $"{label} is already cached in {result.Folder} ({ModelHub.FormatBytes(result.Bytes)}{commit})"
                : $"{label}: {result.Folder} ({ModelHub.FormatBytes(result.Bytes)}{commit}; {ModelHub.FormatBytes(result.DownloadedBytes)} downloaded"
                    + (result.ReusedBytes > 0 ? $", {ModelHub.FormatBytes(result.ReusedBytes)} reused from disk)" : ")"));
            Prepare(ctx, hub, label, result, variant);
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>
    /// Loads both towers once, so that the optimised-model cache is written by the pull rather than by the first
    /// classify or search (which then starts in a fraction of a second), and says what happened: "optimised" only
    /// when the cache holds the entries. Nothing to do when the cache is off.
    /// </summary>
    private static void Prepare(CommandContext ctx, ModelHub hub, string label, ModelPullResult pulled, string? variant)
    {
        var prepared = hub.PrepareOptimizedCache(pulled.Folder, variant);
        string apart = $"optimised copy {ModelHub.FormatBytes(prepared.OptimizedBytes)}, apart from the model's {ModelHub.FormatBytes(pulled.Bytes)}";
        switch (prepared.Outcome)
        {
            case OptimizedCacheOutcome.Written:
                ctx.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label} is optimised for this processor ({prepared.Elapsed.TotalSeconds:F1} s; {apart})"));
                break;
            case OptimizedCacheOutcome.AlreadyPresent:
                ctx.Console.Error.WriteLine($"{label} is already optimised for this processor ({apart})");
                break;
            case OptimizedCacheOutcome.NotWritten:
                ctx.Warn($"the optimised copy of {label} could not be written (no writable cache folder, see CLIPSHARP_OPTIMIZED_MODELS); each load optimises the model in memory instead");
                break;
            case OptimizedCacheOutcome.NoSpace:
                ctx.Warn($"the optimised copy of {label} was not written: it needs about {ModelHub.FormatBytes(prepared.NeededBytes)} and the disk has less free; each load optimises the model in memory instead");
                break;
        }
    }

    private static Command CreateInfo(CommandContext ctx)
    {
        var name = NameArgument("A catalog name or a model folder.");
        var json = CommandContext.JsonOption();
        var offline = CommandContext.OfflineOption();
        var command = new Command("info", "Describe a model: layout, graph inputs and outputs, dimensions, preprocessing, tokenizer.") { name, offline, json };
        command.SetAction(async (parse, cancel) =>
        {
            using var model = await ctx.LoadModelAsync(parse.GetValue(name), null, parse.GetValue(offline), cancel).ConfigureAwait(false);
            var vision = model.DescribeVisionTower();
            var text = model.DescribeTextTower();
            var pre = model.Preprocessor.Config;
            var tok = model.Tokenizer;
            if (parse.GetValue(json))
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("name", model.Name);
                    w.WriteString("folder", model.Folder);
                    w.WriteString("layout", LayoutName(model.Layout));
                    w.WriteNumber("embed_dim", model.EmbeddingDimension);
                    w.WriteNumber("image_size", model.ImageSize);
                    w.WriteNumber("logit_scale", model.LogitScale);
                    WriteTower(w, "vision", vision);
                    WriteTower(w, "text", text);
                    w.WriteStartObject("preprocess");
                    w.WriteString("resize_mode", pre.ResizeMode.ToString().ToLowerInvariant());
                    w.WriteString("interpolation", pre.Filter.ToString().ToLowerInvariant());
                    JsonLines.WriteNumbers(w, "mean", pre.Mean.ToArray());
                    JsonLines.WriteNumbers(w, "std", pre.Std.ToArray());
                    w.WriteEndObject();
                    w.WriteStartObject("tokenizer");
                    w.WriteNumber("vocab_size", tok.VocabularySize);
                    w.WriteNumber("context_length", tok.ContextLength);
                    w.WriteNumber("pad_id", tok.PadId);
                    w.WriteEndObject();
                });
                return CliApp.Ok;
            }

            var o = ctx.Console.Out;
            o.WriteLine($"model      {model.Name} ({model.Folder})");
            o.WriteLine($"layout     {LayoutName(model.Layout)}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedding  {model.EmbeddingDimension}    logit scale {model.LogitScale}"));
            o.WriteLine($"vision     {Describe(vision)}");
            o.WriteLine($"text       {Describe(text)}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"preprocess {pre.Size}×{pre.Size}, resize {pre.ResizeMode.ToString().ToLowerInvariant()} {pre.Filter.ToString().ToLowerInvariant()}, mean [{string.Join(", ", pre.Mean)}], std [{string.Join(", ", pre.Std)}]"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tokenizer  {tok.VocabularySize} tokens, context {tok.ContextLength}, pad id {tok.PadId}"));
            return CliApp.Ok;
        });
        return command;
    }

    private static string Describe(TowerInfo t)
        => $"{t.InputName} {t.InputType.ToLowerInvariant()} [{string.Join(", ", t.InputShape)}]{(t.HasAttentionMask ? " + attention_mask" : "")} → {t.OutputName} {t.OutputType.ToLowerInvariant()} [{string.Join(", ", t.OutputShape)}]  ({Path.GetFileName(t.ModelPath)})";

    private static void WriteTower(Utf8JsonWriter w, string name, TowerInfo t)
    {
        w.WriteStartObject(name);
        w.WriteString("file", t.ModelPath);
        w.WriteString("input", t.InputName);
        w.WriteString("input_type", t.InputType.ToLowerInvariant());
        w.WriteStartArray("input_shape");
        foreach (string d in t.InputShape)
        {
            w.WriteStringValue(d);
        }

        w.WriteEndArray();
        w.WriteString("output", t.OutputName);
        w.WriteStartArray("output_shape");
        foreach (string d in t.OutputShape)
        {
            w.WriteStringValue(d);
        }

        w.WriteEndArray();
        w.WriteBoolean("attention_mask", t.HasAttentionMask);
        w.WriteEndObject();
    }

    private static Command CreateRemove(CommandContext ctx)
    {
        var name = NameArgument("Catalog name (NAME or NAME:VARIANT).");
        var command = new Command("rm", "Remove a model from the cache.") { name };
        command.SetAction(async (parse, cancel) =>
        {
            var (entry, variant) = Find(parse.GetValue(name)!);
            using var hub = ctx.CreateHub(offline: true);
            string label = variant is null ? entry.Name : entry.Name + ":" + variant;
            bool removed = await hub.RemoveAsync(entry, variant, ctx.Warn, cancel).ConfigureAwait(false);
            ctx.Console.Out.WriteLine(removed ? $"removed {label} from {hub.ModelsDirectory}" : $"{label} was not cached");
            return CliApp.Ok;
        });
        return command;
    }
}
