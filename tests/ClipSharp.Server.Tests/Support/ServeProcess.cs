using System.Diagnostics;
using System.Text;

namespace ClipSharp.Server.Tests;

/// <summary><c>clipsharp serve</c> as a child process (dotnet ClipSharp.Cli.dll), to send it real signals.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();
    private readonly Lock _lock = new();

    private ServeProcess(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    public int Id => _process.Id;

    public string Error
    {
        get
        {
            lock (_lock)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts <c>clipsharp serve ARGS --urls http://127.0.0.1:0</c> and waits until it prints "ready".</summary>
    public static async Task<ServeProcess> StartAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClipSharp.Cli.dll"));
        psi.ArgumentList.Add("serve");
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        psi.Environment.Remove("CLIPSHARP_MODEL");
        psi.Environment.Remove("CLIPSHARP_API_KEY");
        var serve = new ServeProcess(Process.Start(psi)!);
        var process = serve._process;
        process.StandardInput.Close();
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? address = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("serve ended before it was ready: " + serve.Error));
            }
            else if (e.Data.StartsWith("listening on ", StringComparison.Ordinal))
            {
                address = new Uri(e.Data["listening on ".Length..].Trim());
            }
            else if (e.Data == "ready" && address is not null)
            {
                ready.TrySetResult(address);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (serve._lock)
            {
                serve._error.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            serve.Address = await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
            return serve;
        }
        catch
        {
            serve.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGTERM or SIGINT (as kill(1) names them).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", name, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        Assert.True(kill.WaitForExit(10_000));
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to end (a hang guard, not a timing) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until standard error holds <paramref name="text"/>.</summary>
    public async Task WaitForErrorAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Error.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"serve never printed '{text}': {Error}");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
