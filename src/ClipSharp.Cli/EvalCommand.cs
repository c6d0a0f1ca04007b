using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClipSharp.Evaluation;
using ClipSharp.Models;
using Spectre.Console;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp eval zeroshot|retrieval DATASET</c>: zero-shot accuracy and retrieval recall, as in the CLIP paper.</summary>
internal static class EvalCommand
{
    public static Command Create(CommandContext ctx)
    {
        var command = new Command("eval", "Measure a model on your own labelled images: zero-shot accuracy or text-image retrieval recall.");
        command.Add(CreateZeroShot(ctx));
        command.Add(CreateRetrieval(ctx));
        return command;
    }

    private static Option<string?> CacheOption() => new("--cache")
    {
        Description = "File caching image embeddings between runs (default: in the ClipSharp cache folder, per dataset; 'none' disables it).",
        HelpName = "FILE",
    };

    private static string? ResolveCache(string? option, string dataset)
    {
        if (string.Equals(option, "none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(option))
        {
            return option;
        }

        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataset))))[..16];
        return Path.Combine(ModelHubOptions.FromEnvironment().CacheDirectory, "eval", key + ".embeddings");
    }

    private static Command CreateZeroShot(CommandContext ctx)
    {
        var dataset = new Argument<string>("dataset") { Description = "A folder with one sub-folder of images per class, or a CSV of file,label (paths relative to the CSV)." };
        var templates = new Option<string>("--templates") { Description = "imagenet80 (the CLIP paper's 80-prompt ensemble; also called imagenet), simple (\"a photo of a {}.\"), or a file with one template per line.", DefaultValueFactory = _ => "simple", HelpName = "imagenet80|simple|FILE" };
        var classes = new Option<string?>("--classes") { Description = "A file with one class name per line, in class-index order (default: the dataset's labels, sorted).", HelpName = "FILE" };
        var output = new Option<string?>("--out", "-o") { Description = "A folder for summary.json, per-class.csv and confusion.csv.", HelpName = "DIR" };
        var cache = CacheOption();
        var model = CommandContext.ModelOption();
        var offline = CommandContext.OfflineOption();
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object." };
        var command = new Command("zeroshot", "Zero-shot classification accuracy (top-1, top-5, per class, confusion matrix).") { dataset, templates, classes, output, cache, model, offline, json };
        command.SetAction(async (parse, cancel) =>
        {
            string data = parse.GetValue(dataset)!;
            var items = ImageDataset.Load(data);
            IReadOnlyList<string> templateList = LoadTemplates(parse.GetValue(templates)!);
            IReadOnlyList<string>? classList = parse.GetValue(classes) is { } classFile ? ReadLines(classFile, "classes") : null;
            using var clip = await ctx.LoadModelAsync(parse.GetValue(model), null, parse.GetValue(offline), cancel).ConfigureAwait(false);
            var report = ZeroShotEvaluator.Evaluate(clip, items, new ZeroShotEvaluationOptions
            {
                Templates = templateList,
                ClassNames = classList,
                CachePath = ResolveCache(parse.GetValue(cache), data),
                Progress = new CountReporter(ctx.Console, "images"),
            }, cancel);
            foreach (var f in report.Failed)
            {
                ctx.Warn($"{f.Path}: {f.Reason}");
            }

            if (parse.GetValue(output) is { } dir)
            {
                WriteZeroShotFiles(dir, clip, data, report);
            }

            if (parse.GetValue(json))
            {
                JsonLines.Write(ctx.Console.Out, w => WriteSummary(w, clip, data, report));
            }
            else
            {
                PrintZeroShot(ctx, clip, report);
            }

            // As the README says: exit 1 when an input could not be evaluated (after evaluating every other one).
            return report.Failed.Count > 0 ? CliApp.Failed : CliApp.Ok;
        });
        return command;
    }

    private static Command CreateRetrieval(CommandContext ctx)
    {
        var dataset = new Argument<string>("dataset") { Description = "A CSV with a file column (file/filename/path/image) and a caption column; an image may appear on several rows." };
        var column = new Option<string>("--caption-column") { Description = "The caption column's name.", DefaultValueFactory = _ => "caption", HelpName = "NAME" };
        var cache = CacheOption();
        var model = CommandContext.ModelOption();
        var offline = CommandContext.OfflineOption();
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var command = new Command("retrieval", "Text→image and image→text recall@1/5/10.") { dataset, column, cache, model, offline, json };
        command.SetAction(async (parse, cancel) =>
        {
            string data = parse.GetValue(dataset)!;
            var rows = ImageDataset.Load(data, parse.GetValue(column)!);
            using var clip = await ctx.LoadModelAsync(parse.GetValue(model), null, parse.GetValue(offline), cancel).ConfigureAwait(false);
            var report = RetrievalEvaluator.Evaluate(clip, rows, ResolveCache(parse.GetValue(cache), data), new CountReporter(ctx.Console, "images"), cancel);
            foreach (var f in report.Failed)
            {
                ctx.Warn($"{f.Path}: {f.Reason}");
            }

            if (parse.GetValue(json))
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("dataset", data);
                    w.WriteString("model", clip.Name);
                    w.WriteNumber("images", report.Images);
                    w.WriteNumber("captions", report.Captions);
                    for (int k = 0; k < RetrievalReport.Ks.Count; k++)
                    {
                        w.WriteNumber($"text_to_image_r{RetrievalReport.Ks[k]}", report.TextToImage[k]);
                    }

                    for (int k = 0; k < RetrievalReport.Ks.Count; k++)
                    {
                        w.WriteNumber($"image_to_text_r{RetrievalReport.Ks[k]}", report.ImageToText[k]);
                    }

                    w.WriteNumber("failed", report.Failed.Count);
                });
                return report.Failed.Count > 0 ? CliApp.Failed : CliApp.Ok;
            }

            var table = new Table { Border = TableBorder.Simple, Title = new TableTitle(Markup.Escape($"{clip.Name}: {report.Images} images, {report.Captions} captions")) };
            table.AddColumn("direction");
            foreach (int k in RetrievalReport.Ks)
            {
                table.AddColumn(new TableColumn($"R@{k}").RightAligned());
            }

            table.AddRow(["text → image", .. report.TextToImage.Select(Percent)]);
            table.AddRow(["image → text", .. report.ImageToText.Select(Percent)]);
            ctx.Console.Ansi.Write(table);
            return report.Failed.Count > 0 ? CliApp.Failed : CliApp.Ok;
        });
        return command;
    }

    /// <summary>A named ensemble (<see cref="PromptTemplates.FindEnsemble"/>), <c>simple</c>, or a file of templates.</summary>
    private static IReadOnlyList<string> LoadTemplates(string option)
    {
        try
        {
            return option == "simple" ? PromptTemplates.Resolve(null, null)
                : PromptTemplates.FindEnsemble(option, out string name) is not null ? PromptTemplates.Resolve(null, name)
                : PromptTemplates.Resolve(ReadLines(option, "templates"), null);
        }
        catch (ClipSharpException ex) when (ex.Kind == ClipErrorKind.InvalidInput)
        {
            throw new CliUsageException(ex.Detail);
        }
    }

    private static List<string> ReadLines(string file, string what)
    {
        if (!File.Exists(file))
        {
            throw new CliUsageException($"{what} file not found: {file}");
        }

        var lines = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        return lines.Count > 0 ? lines : throw new CliUsageException($"{what} file is empty: {file}");
    }

    private static string Percent(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00%", CultureInfo.InvariantCulture);

    private static void PrintZeroShot(CommandContext ctx, ClipModel clip, ZeroShotReport r)
    {
        var o = ctx.Console.Out;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{clip.Name}: {r.Evaluated} images, {r.Classes.Count} classes, {r.TemplateCount} template(s); embedded {r.EmbeddedImages}, from cache {r.CachedImages}, failed {r.Failed.Count}"));
        o.WriteLine($"top-1 {Percent(r.Top1)}   top-5 {Percent(r.Top5)}");
        var table = new Table { Border = TableBorder.Simple };
        table.AddColumn("class");
        table.AddColumn(new TableColumn("images").RightAligned());
        table.AddColumn(new TableColumn("top-1").RightAligned());
        table.AddColumn(new TableColumn("top-5").RightAligned());
        foreach (var c in r.PerClass.Where(c => c.Count > 0))
        {
            table.AddRow(Markup.Escape(c.Class), c.Count.ToString(CultureInfo.InvariantCulture), Percent(c.Top1), Percent(c.Top5));
        }

        ctx.Console.Ansi.Write(table);
    }

    private static void WriteSummary(Utf8JsonWriter w, ClipModel clip, string dataset, ZeroShotReport r)
    {
        w.WriteString("dataset", dataset);
        w.WriteString("model", clip.Name);
        w.WriteNumber("images", r.Evaluated);
        w.WriteNumber("classes", r.Classes.Count);
        w.WriteNumber("templates", r.TemplateCount);
        w.WriteNumber("top1", r.Top1);
        w.WriteNumber("top5", r.Top5);
        w.WriteNumber("embedded", r.EmbeddedImages);
        w.WriteNumber("cached", r.CachedImages);
        w.WriteStartArray("per_class");
        foreach (var c in r.PerClass)
        {
            w.WriteStartObject();
            w.WriteString("class", c.Class);
            w.WriteNumber("images", c.Count);
            w.WriteNumber("top1_correct", c.Top1Correct);
            w.WriteNumber("top5_correct", c.Top5Correct);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("failed");
        foreach (var f in r.Failed)
        {
            w.WriteStartObject();
            w.WriteString("path", f.Path);
            w.WriteString("reason", f.Reason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteZeroShotFiles(string dir, ClipModel clip, string dataset, ZeroShotReport r)
    {
        Directory.CreateDirectory(dir);
        using (var stream = File.Create(Path.Combine(dir, "summary.json")))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            WriteSummary(writer, clip, dataset, r);
            writer.WriteEndObject();
        }

        var perClass = new StringBuilder("class,images,top1_correct,top5_correct,top1,top5\n");
        foreach (var c in r.PerClass)
        {
            perClass.Append(CultureInfo.InvariantCulture, $"{Csv(c.Class)},{c.Count},{c.Top1Correct},{c.Top5Correct},{c.Top1:0.######},{c.Top5:0.######}\n");
        }

        File.WriteAllText(Path.Combine(dir, "per-class.csv"), perClass.ToString());
        var confusion = new StringBuilder("true\\predicted," + string.Join(',', r.Classes.Select(Csv)) + "\n");
        for (int i = 0; i < r.Classes.Count; i++)
        {
            confusion.Append(Csv(r.Classes[i])).Append(',').AppendJoin(',', r.Confusion[i]).Append('\n');
        }

        File.WriteAllText(Path.Combine(dir, "confusion.csv"), confusion.ToString());
    }

    private static string Csv(string value)
        => value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
