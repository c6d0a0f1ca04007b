using System.Globalization;
using System.Net;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>
/// Graceful shutdown of a real <c>clipsharp serve</c> process: on SIGTERM (or Ctrl-C) it stops accepting, /readyz
/// is never 200 again, running requests finish and it exits 0; a second signal ends it at once.
/// </summary>
public sealed class ShutdownTests
{
    private static string Model => TestData.Path("models", "micro", "openclip");

    [SkippableFact]
    public async Task Serve_SigtermUnderLoad_FinishesEveryRunningRequestAndExits0()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "POSIX signals");
        using var serve = await ServeProcess.StartAsync("--model", Model, "--timeout", "300", "--shutdown-timeout", "300");
        using var client = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromMinutes(5) };

        // Six clients, each on its own connection, each classifying with the 80-template ensemble (seconds of work
        // each, queued behind each other on the text tower): far longer than System.CommandLine's old 2 s cut-off.
        const int clients = 6;
        string image = Convert.ToBase64String(await File.ReadAllBytesAsync(TestData.Path("photos", "cat-chelsea.png")));
        var running = Enumerable.Range(0, clients).Select(async i =>
        {
            using var own = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromMinutes(5) };
            string[] labels = [$"a cat {i}", $"a dog {i}", $"a bird {i}"];
            var response = await own.PostAsync("/v1/classify", RunningServer.Json(new { image, labels, ensemble = "imagenet" }));
            string body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, body);
        }).ToArray();

        // Every request is inside the server (the metrics request itself makes one more) before the signal.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await InFlightAsync(client) < clients + 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the requests never all arrived");
            Assert.DoesNotContain(running, r => r.IsCompleted);
            await Task.Delay(20);
        }

        serve.Signal("TERM");
        await serve.WaitForErrorAsync("stopping on SIGTERM", TimeSpan.FromSeconds(30));

        // Not ready from now on: a new connection is refused, or, if it gets through, answered 503.
        try
        {
            using var fresh = new HttpClient { BaseAddress = serve.Address };
            var ready = await fresh.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        var answers = await Task.WhenAll(running);
        int aborted = answers.Count(a => a.StatusCode != HttpStatusCode.OK);
        Assert.True(aborted == 0, $"{aborted} of {clients} requests did not finish: {string.Join(" | ", answers.Select(a => $"{(int)a.StatusCode} {a.body}"))}");
        foreach (var (_, body) in answers)
        {
            var json = System.Text.Json.JsonDocument.Parse(body).RootElement;
            Assert.Equal(3, json.GetProperty("results").GetArrayLength());
        }

        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromMinutes(5)));
        Assert.Contains("stopped\n", serve.Error.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task Serve_SecondSignalWhileDraining_EndsTheProcessAtOnce(string signal, int expected)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "POSIX signals");
        using var serve = await ServeProcess.StartAsync("--model", Model, "--timeout", "300", "--shutdown-timeout", "300");
        using var client = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromMinutes(5) };
        string image = Convert.ToBase64String(await File.ReadAllBytesAsync(TestData.Path("photos", "cat-chelsea.png")));

        // Minutes of work: the drain would wait for it, the second signal does not.
        string[] labels = [.. Enumerable.Range(0, 50).Select(i => $"thing number {i}")];
        var slow = client.PostAsync("/v1/classify", RunningServer.Json(new { image, labels, ensemble = "imagenet" }));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await InFlightAsync(client) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the request never arrived");
            await Task.Delay(20);
        }

        serve.Signal(signal);
        await serve.WaitForErrorAsync("stopping on SIG" + signal, TimeSpan.FromSeconds(30));
        serve.Signal(signal);
        Assert.Equal(expected, await serve.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.NotNull(await Record.ExceptionAsync(() => slow));
    }

    private static async Task<double> InFlightAsync(HttpClient client)
    {
        string text = await client.GetStringAsync("/metrics");
        string line = text.Split('\n').Single(l => l.StartsWith("clipsharp_http_requests_in_flight ", StringComparison.Ordinal));
        return double.Parse(line["clipsharp_http_requests_in_flight ".Length..], CultureInfo.InvariantCulture);
    }
}
