using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ClipSharp.Index;

namespace ClipSharp.Server.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 (a free port), with a client pointed at it.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(ClipServer server, Uri address)
    {
        Server = server;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public ClipServer Server { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>Starts a server on a dynamic loopback port and waits until it is ready.</summary>
    public static async Task<RunningServer> StartAsync(
        IClipEmbedder? backend = null,
        IPhotoIndex? search = null,
        Action<ClipServerOptions>? configure = null,
        bool waitReady = true,
        Func<CancellationToken, Task<IClipEmbedder>>? backendFactory = null)
    {
        var options = new ClipServerOptions { Urls = ["http://127.0.0.1:0"] };
        configure?.Invoke(options);
        backend ??= new FakeClipEmbedder();
        var server = ClipServer.Create(options, backendFactory ?? (_ => Task.FromResult(backend)), search is null ? null : _ => Task.FromResult<IPhotoIndex?>(search));
        await server.StartAsync();
        string address = server.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        if (waitReady)
        {
            await server.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        }

        return new RunningServer(server, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object value) => Json(JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonSerializerDefaults.Web)));

    public static ByteArrayContent Bytes(byte[] data, string contentType)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem document with this status; returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string? code = null)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.StartsWith("urn:clipsharp:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        if (code is not null)
        {
            Assert.Equal(code, problem.GetProperty("code").GetString());
        }

        return problem;
    }

    /// <summary>The value of one Prometheus sample, or 0 when absent.</summary>
    public async Task<double> MetricAsync(string sample)
    {
        string text = await Client.GetStringAsync("/metrics");
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
