using System.CommandLine;
using System.Globalization;
using ClipSharp.Text;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp tokenize [TEXT…]</c>: the token ids fed to the model, one line per text.</summary>
internal static class TokenizeCommand
{
    public static Command Create(CommandContext ctx)
    {
        var texts = new Argument<string[]>("text") { Description = "Texts to tokenize; without any, one text per line is read from standard input.", Arity = ArgumentArity.ZeroOrMore };
        var model = CommandContext.ModelOption();
        var vocab = new Option<string?>("--vocab") { Description = "A tokenizer instead of a model: any Hugging Face tokenizer.json or SentencePiece .model (ids as its own post-processor frames them), or CLIP's vocab.json (+ merges.txt beside it), bpe_simple_vocab_16e6.txt.gz, or a folder holding one.", HelpName = "PATH" };
        var padId = new Option<int?>("--pad-id") { Description = "Padding id (default: the tokenizer's own; 0 for OpenAI's vocabulary file).", HelpName = "ID" };
        var length = new Option<int?>("--length") { Description = "Truncate and pad every text to exactly N ids (default: what the tokenizer says; 77 for CLIP).", HelpName = "N" };
        var json = CommandContext.JsonOption();
        var offline = CommandContext.OfflineOption();
        var command = new Command("tokenize", "Print the token ids fed to the model (special tokens, tokens, padding), one line per text.") { texts, model, vocab, padId, length, offline, json };
        command.SetAction(async (parse, cancel) =>
        {
            string[] given = parse.GetValue(texts) ?? [];
            string? vocabPath = parse.GetValue(vocab);
            if (!string.IsNullOrWhiteSpace(vocabPath) && HuggingFaceTokenizer.IsTokenizerFile(vocabPath))
            {
                var hf = HuggingFaceTokenizer.Load(vocabPath, new HuggingFaceTokenizerOptions { Length = parse.GetValue(length), PadId = parse.GetValue(padId) });
                IReadOnlyList<string> lines = given.Length > 0 ? given : ctx.ReadInputLines();
                for (int i = 0; i < lines.Count; i++)
                {
                    TokenizerEncoding e = hf.Encode(lines[i]);
                    if (e.Truncated)
                    {
                        ctx.Warn(string.Create(CultureInfo.InvariantCulture, $"text {i + 1} was truncated to {hf.MaxLength} ids"));
                    }

                    Write(ctx, parse.GetValue(json), lines[i], e.Ids, e.Length, e.Truncated);
                }

                return CliApp.Ok;
            }

            var tokenizer = await ctx.ResolveTokenizerAsync(parse.GetValue(model), vocabPath, parse.GetValue(padId), parse.GetValue(length), parse.GetValue(offline), cancel).ConfigureAwait(false);
            IReadOnlyList<string> inputs = given.Length > 0 ? given : ctx.ReadInputLines();
            for (int i = 0; i < inputs.Count; i++)
            {
                var tokens = tokenizer.Tokenize(inputs[i]);
                if (tokens.Truncated)
                {
                    ctx.Warn(CommandContext.TruncationWarning(i + 1, tokens.UntruncatedLength, tokenizer.ContextLength));
                }

                Write(ctx, parse.GetValue(json), inputs[i], tokens.Ids, tokens.Length, tokens.Truncated);
            }

            return CliApp.Ok;
        });
        return command;
    }

    private static void Write(CommandContext ctx, bool asJson, string text, IReadOnlyList<int> ids, int length, bool truncated)
    {
        if (asJson)
        {
            JsonLines.Write(ctx.Console.Out, w =>
            {
                w.WriteString("text", text);
                JsonLines.WriteNumbers(w, "ids", ids);
                w.WriteNumber("length", length);
                w.WriteBoolean("truncated", truncated);
            });
        }
        else
        {
            ctx.Console.Out.WriteLine(string.Join(' ', ids));
        }
    }
}
