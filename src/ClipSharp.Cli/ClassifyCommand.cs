using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp classify IMAGE… --labels dog,cat,bird</c>: zero-shot label probabilities.</summary>
internal static class ClassifyCommand
{
    private const int BarWidth = 40;

    public static Command Create(CommandContext ctx)
    {
        var images = new Argument<string[]>("image") { Description = "Image files.", Arity = ArgumentArity.OneOrMore };
        var labels = new Option<string[]>("--labels", "-l") { Description = "Comma-separated labels (the option may be repeated).", HelpName = "A,B,C", AllowMultipleArgumentsPerToken = false };
        var labelsFile = new Option<string?>("--labels-file") { Description = "A file with one label per line.", HelpName = "FILE" };
        var template = new Option<string[]>("--template", "-t") { Description = "Prompt template with {} for the label (default \"a photo of a {}.\"; \"{}\" uses labels verbatim). Repeat it to ensemble several.", HelpName = "TEMPLATE" };
        var ensemble = new Option<string?>("--ensemble") { Description = $"Use a template ensemble: '{PromptTemplates.ImageNetEnsemble}' (the CLIP paper's 80 ImageNet templates; also called '{PromptTemplates.ImageNetEnsembleAlias}').", HelpName = "NAME" };
        ensemble.AcceptOnlyFromAmong(PromptTemplates.ImageNetEnsemble, PromptTemplates.ImageNetEnsembleAlias);
        var model = CommandContext.ModelOption();
        var variant = CommandContext.VariantOption();
        var json = CommandContext.JsonOption();
        var offline = CommandContext.OfflineOption();
        var command = new Command("classify", "Zero-shot classification: the probability of each label for each image, softmax(scale · cosine) as OpenAI's model(image, text).")
        {
            images, labels, labelsFile, template, ensemble, model, variant, offline, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            List<string> labelList = ReadLabels(parse.GetValue(labels), parse.GetValue(labelsFile));
            IReadOnlyList<string> templates = ResolveTemplates(parse.GetValue(template), parse.GetValue(ensemble));
            // Cold start: both towers are needed, so both sessions are created concurrently, from the moment the model
            // files are found (while the tokenizer loads); the labels are embedded as soon as the text tower is ready,
            // while the vision tower may still be loading.
            using var clip = await ctx.LoadModelAsync(parse.GetValue(model), parse.GetValue(variant), parse.GetValue(offline), cancel, warm: true).ConfigureAwait(false);
            Task warm = Task.Run(clip.Warm, cancel);
            WarnTruncatedPrompts(ctx, clip.Tokenizer, labelList, templates);
            var classifier = ZeroShotClassifier.Create(clip, labelList, new ZeroShotOptions { Templates = templates });
            await warm.ConfigureAwait(false);
            bool asJson = parse.GetValue(json);
            int failures = 0;
            foreach (var result in clip.EncodeImageFiles(parse.GetValue(images)!, cancel))
            {
                if (result.Error is { } error)
                {
                    failures++;
                    ctx.Fail(error.Message);
                    if (asJson)
                    {
                        JsonLines.Write(ctx.Console.Out, w =>
                        {
                            w.WriteString("image", result.Path);
                            w.WriteString("error", error.Detail);
                        });
                    }

                    continue;
                }

                var classified = classifier.Classify(result.Embedding);
                if (asJson)
                {
                    WriteJson(ctx, result.Path, classified);
                }
                else
                {
                    WriteTable(ctx, result.Path, classified);
                }
            }

            return failures > 0 ? CliApp.Failed : CliApp.Ok;
        });
        return command;
    }

    /// <summary>Warns about each prompt longer than the model's context, as tokenize and embed text do.</summary>
    private static void WarnTruncatedPrompts(CommandContext ctx, ClipSharp.Text.ClipTokenizer tokenizer, List<string> labels, IReadOnlyList<string> templates)
    {
        foreach (string label in labels)
        {
            foreach (string t in templates)
            {
                string prompt = PromptTemplates.Fill(t, label);
                var tokens = tokenizer.Tokenize(prompt);
                if (tokens.Truncated)
                {
                    ctx.Warn(string.Create(CultureInfo.InvariantCulture,
                        $"the prompt \"{prompt}\" (label \"{label}\") needs {tokens.UntruncatedLength} tokens; truncated to {tokenizer.ContextLength} (the last kept token is end-of-text)"));
                }
            }
        }
    }

    private static List<string> ReadLabels(string[]? given, string? file)
    {
        var result = new List<string>();
        foreach (string group in given ?? [])
        {
            foreach (string label in group.Split(',', StringSplitOptions.TrimEntries))
            {
                if (label.Length == 0)
                {
                    throw new CliUsageException($"empty label in --labels \"{group}\"");
                }

                result.Add(label);
            }
        }

        if (!string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file))
            {
                throw new CliUsageException($"labels file not found: {file}");
            }

            result.AddRange(File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0));
        }

        if (result.Count == 0)
        {
            throw new CliUsageException("no labels given: pass --labels \"dog,cat,bird\" or --labels-file FILE");
        }

        return result;
    }

    private static IReadOnlyList<string> ResolveTemplates(string[]? templates, string? ensemble)
    {
        if (ensemble is not null && templates is { Length: > 0 })
        {
            throw new CliUsageException("--template and --ensemble cannot be used together");
        }

        try
        {
            return PromptTemplates.Resolve(templates, ensemble);
        }
        catch (ClipSharpException ex) when (ex.Kind == ClipErrorKind.InvalidInput)
        {
            throw new CliUsageException(ex.Detail);
        }
    }

    private static void WriteJson(CommandContext ctx, string path, ZeroShotResult result)
    {
        JsonLines.Write(ctx.Console.Out, w =>
        {
            w.WriteString("image", path);
            w.WriteStartArray("results");
            foreach (var s in result.Scores)
            {
                w.WriteStartObject();
                w.WriteString("label", s.Label);
                w.WriteString("prompt", s.Prompt);
                w.WriteNumber("score", s.Score);
                w.WriteNumber("probability", s.Probability);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static void WriteTable(CommandContext ctx, string path, ZeroShotResult result)
    {
        var table = new Table { Border = TableBorder.Simple, Title = new TableTitle(Markup.Escape(path)) };
        table.AddColumn("label");
        table.AddColumn(new TableColumn("probability").RightAligned());
        table.AddColumn("");
        table.AddColumn(new TableColumn("cosine").RightAligned());
        foreach (var s in result.Scores)
        {
            int cells = (int)Math.Round(s.Probability * BarWidth, MidpointRounding.AwayFromZero);
            string bar = new string('█', cells);
            bool best = ReferenceEquals(s, result.Best);
            table.AddRow(
                new Markup(best ? $"[bold]{Markup.Escape(s.Label)}[/]" : Markup.Escape(s.Label)),
                new Spectre.Console.Text(s.Probability.ToString("0.00%", CultureInfo.InvariantCulture)),
                new Markup(best ? $"[green]{bar}[/]" : $"[grey]{bar}[/]"),
                new Spectre.Console.Text(s.Score.ToString("0.0000", CultureInfo.InvariantCulture)));
        }

        ctx.Console.Ansi.Write(table);
    }
}
