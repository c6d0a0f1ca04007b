using System.CommandLine;
using System.Globalization;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp embed image PATH…</c> and <c>clipsharp embed text TEXT…</c>.</summary>
internal static class EmbedCommand
{
    public static Command Create(CommandContext ctx)
    {
        var command = new Command("embed", "Print normalised CLIP embeddings of images or texts (JSON lines), or write them to a .npy file.");
        command.Add(CreateImage(ctx));
        command.Add(CreateText(ctx));
        return command;
    }

    private static Option<string?> OutOption() => new("--out", "-o")
    {
        Description = "Write a float32 [N, dim] NumPy .npy file instead of JSON lines (rows in input order; nothing is written if any input fails).",
        HelpName = "FILE.npy",
    };

    private static Command CreateImage(CommandContext ctx)
    {
        var paths = new Argument<string[]>("path") { Description = "Image files.", Arity = ArgumentArity.OneOrMore };
        var model = CommandContext.ModelOption();
        var variant = CommandContext.VariantOption();
        var output = OutOption();
        var json = CommandContext.JsonOption();
        var offline = CommandContext.OfflineOption();
        var command = new Command("image", "Embed image files.") { paths, model, variant, offline, output, json };
        command.SetAction(async (parse, cancel) =>
        {
            using var clip = await ctx.LoadModelAsync(parse.GetValue(model), parse.GetValue(variant), parse.GetValue(offline), cancel).ConfigureAwait(false);
            string[] files = parse.GetValue(paths)!;
            string? target = parse.GetValue(output);
            var rows = new List<float[]>(files.Length);
            int failures = 0;
            foreach (var result in clip.EncodeImageFiles(files, cancel))
            {
                if (result.Error is { } error)
                {
                    failures++;
                    ctx.Fail(error.Message);
                    if (target is null)
                    {
                        JsonLines.Write(ctx.Console.Out, w =>
                        {
                            w.WriteString("input", result.Path);
                            w.WriteString("error", error.Detail);
                        });
                    }

                    continue;
                }

                if (target is null)
                {
                    JsonLines.Write(ctx.Console.Out, w =>
                    {
                        w.WriteString("input", result.Path);
                        JsonLines.WriteNumbers(w, "embedding", result.Embedding);
                    });
                }
                else
                {
                    rows.Add(result.Embedding!);
                }
            }

            if (target is not null)
            {
                if (failures > 0)
                {
                    ctx.Fail(string.Create(CultureInfo.InvariantCulture, $"{failures} of {files.Length} images failed; {target} was not written"));
                    return CliApp.Failed;
                }

                WriteMatrix(ctx, target, rows, clip.EmbeddingDimension);
            }

            return failures > 0 ? CliApp.Failed : CliApp.Ok;
        });
        return command;
    }

    private static Command CreateText(CommandContext ctx)
    {
        var texts = new Argument<string[]>("text") { Description = "Texts; without any, one text per line is read from standard input.", Arity = ArgumentArity.ZeroOrMore };
        var model = CommandContext.ModelOption();
        var variant = CommandContext.VariantOption();
        var output = OutOption();
        var json = CommandContext.JsonOption();
        var offline = CommandContext.OfflineOption();
        var command = new Command("text", "Embed texts.") { texts, model, variant, offline, output, json };
        command.SetAction(async (parse, cancel) =>
        {
            using var clip = await ctx.LoadModelAsync(parse.GetValue(model), parse.GetValue(variant), parse.GetValue(offline), cancel).ConfigureAwait(false);
            string[] given = parse.GetValue(texts) ?? [];
            IReadOnlyList<string> inputs = given.Length > 0 ? given : ctx.ReadInputLines();
            if (inputs.Count == 0)
            {
                throw new CliUsageException("no texts given (pass them as arguments or one per line on standard input)");
            }

            ctx.WarnTruncated(clip.Tokenizer, inputs);
            float[][] embeddings = clip.EncodeTexts(inputs);
            string? target = parse.GetValue(output);
            if (target is not null)
            {
                WriteMatrix(ctx, target, embeddings, clip.EmbeddingDimension);
                return CliApp.Ok;
            }

            for (int i = 0; i < inputs.Count; i++)
            {
                JsonLines.Write(ctx.Console.Out, w =>
                {
                    w.WriteString("input", inputs[i]);
                    JsonLines.WriteNumbers(w, "embedding", embeddings[i]);
                });
            }

            return CliApp.Ok;
        });
        return command;
    }

    private static void WriteMatrix(CommandContext ctx, string target, IReadOnlyList<float[]> rows, int dim)
    {
        float[] flat = new float[rows.Count * dim];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].CopyTo(flat, i * dim);
        }

        PreprocessCommand.WriteAtomically(target, flat, [rows.Count, dim]);
        ctx.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {target}: float32 [{rows.Count}, {dim}]"));
    }
}
