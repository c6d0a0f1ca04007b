using System.Text.Json;

namespace ClipSharp.Tests;

/// <summary>What one run of the CLI gave: exit code, standard output and standard error.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Standard output read as JSON lines (one object a line, as every <c>--json</c> command writes).</summary>
    public JsonElement[] Json => OutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
}
