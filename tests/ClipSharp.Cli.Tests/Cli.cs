using System.Diagnostics;
using System.Text.Json;

namespace ClipSharp.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public JsonElement[] Json => OutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
}

/// <summary>Runs the CLI in-process (fast), or as a real process where exit codes and streams matter.</summary>
internal static class Cli
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

    public static CliResult RunProcess(params string[] args) => RunProcess(new Dictionary<string, string?>(), args);

    /// <summary>Runs the CLI as a child process with extra environment variables (null removes one).</summary>
    public static CliResult RunProcess(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClipSharp.Cli.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Remove("CLIPSHARP_MODEL");
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("clipsharp did not finish within 120 s: " + string.Join(' ', args));
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
