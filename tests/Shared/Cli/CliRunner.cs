using ClipSharp.Cli;

namespace ClipSharp.Tests;

/// <summary>Runs the <c>clipsharp</c> command in-process (fast) with captured streams, for every test project that references the CLI.</summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args) => RunWithInput(string.Empty, args);

    public static CliResult RunWithInput(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader(stdin);
        int code = CliApp.RunAsync(args, new CliConsole(output, error, input, outputRedirected: true)).GetAwaiter().GetResult();
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
