using System.CommandLine;
using System.CommandLine.Parsing;

namespace ClipSharp.Cli;

/// <summary>Builds the command tree and turns failures into one-line messages and exit codes.</summary>
internal static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code when an input or model could not be processed (after processing every other input).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for a command-line mistake.</summary>
    public const int Usage = 2;

    /// <summary>Exit code when interrupted (Ctrl-C, SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>Exit code when standard output was closed by its reader (as a POSIX tool killed by SIGPIPE: 128 + 13).</summary>
    public const int OutputClosed = 141;

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("ClipSharp: OpenAI's CLIP for .NET — tokenize, preprocess, embed and classify with CLIP models in their public ONNX exports. "
            + "Exit codes (every command): 0 done; 1 some input failed (the others were processed) or the model or index could not be used; 2 a command-line mistake; "
            + "130 interrupted; 141 standard output closed by its reader. See docs/command-line.md.");
        var ctx = new CommandContext(console);
        root.Add(TokenizeCommand.Create(ctx));
        root.Add(PreprocessCommand.Create(ctx));
        root.Add(EmbedCommand.Create(ctx));
        root.Add(ClassifyCommand.Create(ctx));
        root.Add(ModelsCommand.Create(ctx));
        root.Add(EvalCommand.Create(ctx));
        root.Add(IndexCommand.Create(ctx));
        root.Add(SearchCommand.Create(ctx));
        root.Add(SearchCommand.CreateSimilar(ctx));
        root.Add(DupesCommand.Create(ctx));
        var serve = ServeCommand.Create(ctx);
        root.Add(serve);

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (ParseError error in parse.Errors)
            {
                await console.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync("Run 'clipsharp --help' for usage.").ConfigureAwait(false);
            return Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,

                // System.CommandLine ends the process 2 s after Ctrl-C/SIGTERM (exit 130/143); serve handles the
                // signals itself, draining running requests for up to --shutdown-timeout first.
                ProcessTerminationTimeout = ReferenceEquals(parse.CommandResult.Command, serve) ? null : TimeSpan.FromSeconds(2),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ClosedOutputException)
        {
            // The reader has what it wanted (… | head -1): stop quietly.
            return OutputClosed;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is ClosedOutputException))
        {
            return OutputClosed;
        }
        catch (CliUsageException ex)
        {
            await console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Usage;
        }
        catch (ClipSharpException ex)
        {
            await console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return Interrupted;
        }
        catch (IOException ex)
        {
            await console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Failed;
        }
        catch (UnauthorizedAccessException ex)
        {
            await console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Failed;
        }
    }
}
