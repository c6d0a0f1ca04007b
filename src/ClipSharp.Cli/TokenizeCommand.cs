using System.CommandLine;
using System.Globalization;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp tokenize [TEXT…]</c>: the token ids fed to the model, one line per text.</summary>
internal static class TokenizeCommand
{
    public static Command Create(CommandContext ctx)
    {
        var texts = new Argument<string[]>("text") { Description = "Texts to tokenize; without any, one text per line is read from standard input.", Arity = ArgumentArity.ZeroOrMore };
        var model = CommandContext.ModelOption();
        var vocab = new Option<string?>("--vocab") { Description = "A vocabulary instead of a model: tokenizer.json, vocab.json (+ merges.txt beside it), bpe_simple_vocab_16e6.txt.gz, or a folder holding one.", HelpName = "PATH" };
        var padId = new Option<int?>("--pad-id") { Description = "Padding id (default: the tokenizer config's pad token; 0 for OpenAI's vocabulary file).", HelpName = "ID" };
        var json = CommandContext.JsonOption();
        var offline = CommandContext.OfflineOption();
        var command = new Command("tokenize", "Print the token ids fed to the model (start, BPE tokens, end, padding), one line per text.") { texts, model, vocab, padId, offline, json };
        command.SetAction(async (parse, cancel) =>
        {
            var tokenizer = await ctx.ResolveTokenizerAsync(parse.GetValue(model), parse.GetValue(vocab), parse.GetValue(padId), parse.GetValue(offline), cancel).ConfigureAwait(false);
            string[] given = parse.GetValue(texts) ?? [];
            IReadOnlyList<string> inputs = given.Length > 0 ? given : ctx.ReadInputLines();
            var output = ctx.Console.Out;
            bool asJson = parse.GetValue(json);
            for (int i = 0; i < inputs.Count; i++)
            {
                var tokens = tokenizer.Tokenize(inputs[i]);
                if (tokens.Truncated)
                {
                    ctx.Warn(string.Create(CultureInfo.InvariantCulture,
                        $"text {i + 1} needs {tokens.UntruncatedLength} tokens; truncated to {tokenizer.ContextLength} (the last kept token is end-of-text)"));
                }

                if (asJson)
                {
                    JsonLines.Write(output, w =>
                    {
                        w.WriteString("text", inputs[i]);
                        JsonLines.WriteNumbers(w, "ids", tokens.Ids);
                        w.WriteNumber("length", tokens.Length);
                        w.WriteBoolean("truncated", tokens.Truncated);
                    });
                }
                else
                {
                    output.WriteLine(string.Join(' ', tokens.Ids));
                }
            }

            return CliApp.Ok;
        });
        return command;
    }
}
