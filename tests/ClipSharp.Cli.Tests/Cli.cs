using System.Diagnostics;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

/// <summary>
/// Runs the CLI as a real process, where exit codes, environment and streams matter (the in-process runner is
/// <see cref="CliRunner"/> in tests/Shared).
/// </summary>
internal static class Cli
{
    public static CliResult RunProcess(params string[] args) => RunProcess(new Dictionary<string, string?>(), args);

    /// <summary>Runs the CLI as a child process with extra environment variables (null removes one).</summary>
    public static CliResult RunProcess(IReadOnlyDictionary<string, string?> environment, params string[] args)
        => Finish(StartProcess(environment, [], args), args);

    /// <summary>
    /// Runs the CLI with <paramref name="folder"/> bind-mounted read-only over itself in a private mount namespace
    /// (<c>unshare</c>), so that writes there fail with EROFS even for root, as on a read-only volume; skips the test
    /// where user namespaces are not available.
    /// </summary>
    public static CliResult RunProcessOnReadOnlyMount(string folder, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        Skip.IfNot(s_canUnshare.Value, "this system cannot create a private mount namespace (unshare -rm), needed to mount a folder read-only for the test");
        string[] launcher = ["unshare", "-rm", "sh", "-c", "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"", folder];
        return Finish(StartProcess(environment, launcher, args), args);
    }

    /// <summary>Starts the CLI as a child process (optionally through a launcher command) with its streams redirected.</summary>
    public static Process StartProcess(IReadOnlyDictionary<string, string?> environment, IReadOnlyList<string> launcher, params string[] args)
    {
        var psi = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in launcher.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        if (launcher.Count > 0)
        {
            psi.ArgumentList.Add("dotnet");
        }

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

        var process = Process.Start(psi)!;
        process.StandardInput.Close();
        return process;
    }

    private static readonly Lazy<bool> s_canUnshare = new(() =>
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", ["-rm", "true"]) { UseShellExecute = false, RedirectStandardError = true })!;
            return probe.WaitForExit(10_000) && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    private static CliResult Finish(Process process, string[] args)
    {
        using (process)
        {
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
}
