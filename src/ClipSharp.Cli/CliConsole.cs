using Spectre.Console;

namespace ClipSharp.Cli;

/// <summary>The streams a command writes to; tests pass their own.</summary>
internal sealed class CliConsole
{
    public CliConsole(TextWriter output, TextWriter error, TextReader input, bool outputRedirected)
    {
        Out = output;
        Error = error;
        In = input;
        OutputRedirected = outputRedirected;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = outputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = outputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = outputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (outputRedirected)
        {
            Ansi.Profile.Width = 120;
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public TextReader In { get; }

    public bool OutputRedirected { get; }

    /// <summary>Spectre console over <see cref="Out"/>: plain text when output is redirected.</summary>
    public IAnsiConsole Ansi { get; }
}
