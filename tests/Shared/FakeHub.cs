using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Tests;

/// <summary>One request the fake hub answered.</summary>
internal sealed record HubRequest(string Method, string Path, string? Range, bool HadAuthorization, int Status, long BytesSent);

/// <summary>
/// A local stand-in for the Hugging Face hub on 127.0.0.1, serving model folders in the hub's URL scheme with
/// headers like the real hub's: <c>/{repo}/resolve/{rev}/{path}</c> answers small files directly (ETag = git blob
/// SHA-1) and LFS files (*.onnx) with a 302 to a CDN path carrying X-Linked-Etag (SHA-256) and X-Linked-Size;
/// the CDN path honours Range requests. Faults can be injected per file.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _repos;
    private readonly ConcurrentDictionary<string, (byte[] Data, string Sha256, string GitSha1)> _files = new();

    private FakeHub(WebApplication app, Dictionary<string, string> repos)
    {
        _app = app;
        _repos = repos;
    }

    public string Endpoint { get; private set; } = string.Empty;

    public ConcurrentQueue<HubRequest> Log { get; } = new();

    /// <summary>Repositories that answer 401 unless this bearer token is sent.</summary>
    public ConcurrentDictionary<string, string> GatedRepos { get; } = new();

    /// <summary>Files (repo-relative path) whose next full GET stops after this many bytes, once.</summary>
    public ConcurrentDictionary<string, long> CutOnce { get; } = new();

    /// <summary>Files served with one byte flipped (the advertised checksum stays the real one).</summary>
    public ConcurrentDictionary<string, bool> Corrupt { get; } = new();

    /// <summary>Delay before each CDN response, to make concurrent pulls overlap.</summary>
    public TimeSpan CdnDelay { get; set; }

    public static async Task<FakeHub> StartAsync(Dictionary<string, string> repos)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var hub = new FakeHub(app, repos);
        app.MapMethods("/{owner}/{name}/resolve/{rev}/{**path}", ["GET", "HEAD"], hub.ResolveAsync);
        app.MapGet("/cdn-lfs/{owner}/{name}/{**path}", hub.CdnAsync);
        await app.StartAsync().ConfigureAwait(false);
        hub.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return hub;
    }

    public long BytesServed(string pathSuffix) => Log.Where(r => r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).Sum(r => r.BytesSent);

    private (byte[] Data, string Sha256, string GitSha1)? File(string repo, string path)
    {
        if (!_repos.TryGetValue(repo, out string? root))
        {
            return null;
        }

        string full = Path.GetFullPath(Path.Combine(root, path));
        if (!full.StartsWith(Path.GetFullPath(root), StringComparison.Ordinal) || !System.IO.File.Exists(full))
        {
            return null;
        }

        return _files.GetOrAdd(full, f =>
        {
            byte[] data = System.IO.File.ReadAllBytes(f);
            byte[] header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {data.Length}\0"));
            string gitSha1 = Convert.ToHexStringLower(SHA1.HashData([.. header, .. data]));
            return (data, Convert.ToHexStringLower(SHA256.HashData(data)), gitSha1);
        });
    }

    private async Task ResolveAsync(HttpContext http, string owner, string name, string rev, string path)
    {
        string repo = owner + "/" + name;
        bool auth = http.Request.Headers.Authorization.Count > 0;
        int status;
        if (GatedRepos.TryGetValue(repo, out string? token) && http.Request.Headers.Authorization.ToString() != "Bearer " + token)
        {
            status = 401;
            http.Response.StatusCode = status;
            http.Response.Headers["X-Error-Code"] = "GatedRepo";
        }
        else if (File(repo, path) is not { } file)
        {
            status = 404;
            http.Response.StatusCode = status;
            http.Response.Headers["X-Error-Code"] = _repos.ContainsKey(repo) ? "EntryNotFound" : "RepoNotFound";
        }
        else
        {
            http.Response.Headers["X-Repo-Commit"] = Commit;
            if (path.EndsWith(".onnx", StringComparison.Ordinal))
            {
                status = 302;
                http.Response.StatusCode = status;
                http.Response.Headers["X-Linked-Etag"] = "\"" + file.Sha256 + "\"";
                http.Response.Headers["X-Linked-Size"] = file.Data.Length.ToString(CultureInfo.InvariantCulture);
                http.Response.Headers.ETag = "\"" + file.Sha256 + "\"";
                http.Response.Headers.Location = $"/cdn-lfs/{repo}/{path}";
            }
            else
            {
                status = 200;
                http.Response.Headers.ETag = "\"" + file.GitSha1 + "\"";
                http.Response.ContentLength = file.Data.Length;
                if (HttpMethods.IsGet(http.Request.Method))
                {
                    Log.Enqueue(new HubRequest(http.Request.Method, http.Request.Path, null, auth, status, file.Data.Length));
                    await http.Response.Body.WriteAsync(file.Data).ConfigureAwait(false);
                    return;
                }
            }
        }

        Log.Enqueue(new HubRequest(http.Request.Method, http.Request.Path, http.Request.Headers.Range.ToString(), auth, status, 0));
    }

    private async Task CdnAsync(HttpContext http, string owner, string name, string path)
    {
        if (CdnDelay > TimeSpan.Zero)
        {
            await Task.Delay(CdnDelay).ConfigureAwait(false);
        }

        string repo = owner + "/" + name;
        string? range = http.Request.Headers.Range.Count > 0 ? http.Request.Headers.Range.ToString() : null;
        bool auth = http.Request.Headers.Authorization.Count > 0;
        if (File(repo, path) is not { } file)
        {
            http.Response.StatusCode = 404;
            Log.Enqueue(new HubRequest("GET", http.Request.Path, range, auth, 404, 0));
            return;
        }

        byte[] data = file.Data;
        if (Corrupt.ContainsKey(path))
        {
            data = (byte[])data.Clone();
            data[data.Length / 2] ^= 0xFF;
        }

        long start = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
        }

        if (start >= data.Length)
        {
            http.Response.StatusCode = 416;
            Log.Enqueue(new HubRequest("GET", http.Request.Path, range, auth, 416, 0));
            return;
        }

        int status = start > 0 ? 206 : 200;
        http.Response.StatusCode = status;
        http.Response.ContentLength = data.Length - start;
        http.Response.Headers.AcceptRanges = "bytes";
        if (status == 206)
        {
            http.Response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{data.Length - 1}/{data.Length}");
        }

        long end = data.Length;
        bool cut = CutOnce.TryRemove(path, out long cutAt);
        if (cut)
        {
            end = Math.Min(end, start + cutAt);
        }

        // Logged before the body goes out: a client that has read every byte must already see its request in the log.
        Log.Enqueue(new HubRequest("GET", http.Request.Path, range, auth, status, end - start));
        for (long pos = start; pos < end; pos += 64 * 1024)
        {
            int n = (int)Math.Min(64 * 1024, end - pos);
            await http.Response.Body.WriteAsync(data.AsMemory((int)pos, n)).ConfigureAwait(false);
            await http.Response.Body.FlushAsync().ConfigureAwait(false);
        }

        if (cut)
        {
            http.Abort(); // the connection drops mid-file, as a flaky network would
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
