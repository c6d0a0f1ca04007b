using System.Net;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary><c>clipsharp serve</c> as a real process: listens on loopback, loads the model, answers, stops.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Help_lists_the_options()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await Cli.CliApp.RunAsync(["serve", "--help"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true));
        Assert.Equal(0, code);
        foreach (string option in new[] { "--index", "--model", "--urls", "--api-key", "--cors", "--no-batching", "--max-request-mb", "--queue-limit" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Index_is_refused_until_the_photo_index_is_wired_in()
    {
        Skip.If(Cli.ServeCommand.OpenIndex is not null, "the photo index is wired in");
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await Cli.CliApp.RunAsync(["serve", "--index", "/tmp/nowhere", "--model", "/nonexistent"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true));
        Assert.Equal(2, code);
        Assert.Contains("--index", error.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Serves_the_micro_model_on_loopback_with_an_api_key_and_stops_when_cancelled()
    {
        string model = TestData.Path("models", "micro", "openclip");
        using var output = new SyncWriter();
        using var error = new SyncWriter();
        using var stop = new CancellationTokenSource();
        Environment.SetEnvironmentVariable("CLIPSHARP_API_KEY", "from-env");
        Task<int> run;
        try
        {
            run = Cli.CliApp.RunAsync(["serve", "--model", model, "--urls", "http://127.0.0.1:0"], new Cli.CliConsole(output, error, TextReader.Null, outputRedirected: true), stop.Token);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!output.ToString().Contains("ready\n", StringComparison.Ordinal))
            {
                Assert.False(run.IsCompleted, "serve ended early: " + error);
                Assert.True(DateTime.UtcNow < deadline, "serve did not get ready: " + output + error);
                await Task.Delay(50);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("CLIPSHARP_API_KEY", null);
        }

        string address = output.ToString().Split('\n').Single(l => l.StartsWith("listening on ", StringComparison.Ordinal))["listening on ".Length..].Trim();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        using (var client = new HttpClient { BaseAddress = new Uri(address) })
        {
            var ready = await RunningServer.ReadJsonAsync(await client.GetAsync("/readyz"));
            Assert.Equal("openclip", ready.GetProperty("model").GetString());
            Assert.Equal(32, ready.GetProperty("dimension").GetInt32());
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/metrics")).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Add("X-API-Key", "from-env");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }

        // Ctrl-C / SIGTERM cancel the command's token: the server stops cleanly.
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    /// <summary>A StringWriter safe to read while the server writes to it.</summary>
    private sealed class SyncWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public override void Write(char value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}
