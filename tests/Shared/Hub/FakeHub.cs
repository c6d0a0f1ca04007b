using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Tests;

/// <summary>One request the fake hub answered, with the port (origin) it arrived on and the Authorization header it carried.</summary>
internal sealed record HubRequest(string Method, string Path, string? Range, string? Authorization, int Status, long BytesSent, int Port, DateTimeOffset Time)
{
    public bool HadAuthorization => Authorization is not null;
}

/// <summary>What a fake-hub fault hits: the hub's resolve address or the CDN's.</summary>
internal enum HubStage
{
    Resolve,
    Cdn,
}

/// <summary>
/// A local stand-in for the Hugging Face hub on 127.0.0.1, in the hub's URL scheme and with its headers:
/// <c>/{repo}/resolve/{rev}/{path}</c> answers small files directly (ETag = git blob SHA-1) and LFS files (*.onnx)
/// with a 302 to a CDN address carrying X-Linked-Etag (SHA-256) and X-Linked-Size; every answer carries X-Repo-Commit;
/// errors carry X-Error-Code; <c>/api/models/{repo}/revision/{rev}</c> gives the commit. The CDN listens on a second
/// port (another origin, as cdn-lfs.huggingface.co is another host) and honours Range requests; a third, TLS origin
/// can be started. Repositories have commits: <see cref="PublishCommit"/> moves <c>main</c>. Every request is logged
/// with its port and Authorization header; faults are injected per file on demand.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Repo> _repos;

    private FakeHub(WebApplication app, ConcurrentDictionary<string, Repo> repos, int hubPort, int cdnPort, int? tlsPort, X509Certificate2? certificate)
    {
        _app = app;
        _repos = repos;
        HubPort = hubPort;
        CdnPort = cdnPort;
        TlsPort = tlsPort;
        Certificate = certificate;
    }

    /// <summary>The hub's address (http).</summary>
    public string Endpoint => $"http://127.0.0.1:{HubPort}";

    /// <summary>The hub's address over TLS (self-signed <see cref="Certificate"/>), when started with TLS.</summary>
    public string TlsEndpoint => $"https://127.0.0.1:{TlsPort}";

    public int HubPort { get; }

    public int CdnPort { get; }

    public int? TlsPort { get; }

    public X509Certificate2? Certificate { get; }

    public ConcurrentQueue<HubRequest> Log { get; } = new();

    /// <summary>Called after each request is logged (e.g. to publish a commit in the middle of a pull).</summary>
    public Action<HubRequest>? OnRequest { get; set; }

    /// <summary>Repositories that answer 401 GatedRepo unless this bearer token is sent.</summary>
    public ConcurrentDictionary<string, string> GatedRepos { get; } = new();

    /// <summary>LFS redirects go to the hub's own origin (a relative Location) instead of the CDN port.</summary>
    public bool CdnOnSameOrigin { get; set; }

    /// <summary>The CDN answers 401 for a gated repository without its token (only sensible with <see cref="CdnOnSameOrigin"/>).</summary>
    public bool CdnRequiresToken { get; set; }

    /// <summary>Resolve answers carry no X-Repo-Commit (a plain mirror).</summary>
    public bool OmitRepoCommit { get; set; }

    /// <summary>Files (repo-relative path) whose next CDN GET stops after this many bytes and drops the connection, once.</summary>
    public ConcurrentDictionary<string, long> CutOnce { get; } = new();

    /// <summary>Files served with one byte flipped (the advertised checksum stays the real one).</summary>
    public ConcurrentDictionary<string, bool> Corrupt { get; } = new();

    /// <summary>Files whose CDN answer sends this many bytes more than the file has (chunked, no Content-Length).</summary>
    public ConcurrentDictionary<string, int> ExtraBytes { get; } = new();

    /// <summary>Files whose 302 carries no X-Linked-Size.</summary>
    public ConcurrentDictionary<string, bool> OmitLinkedSize { get; } = new();

    /// <summary>Files whose resolve address (HEAD and GET) answers 302 to this Location, without checksum headers.</summary>
    public ConcurrentDictionary<string, string> RedirectResolve { get; } = new();

    /// <summary>Per file: how many of the next CDN requests never send their headers.</summary>
    public ConcurrentDictionary<string, int> HangHeaders { get; } = new();

    /// <summary>Per stage and file: statuses (with an optional Retry-After) the next requests answer with, in order.</summary>
    public ConcurrentDictionary<(HubStage Stage, string Path), ConcurrentQueue<(int Status, string? RetryAfter)>> FailNext { get; } = new();

    /// <summary>Delay before each CDN response, to make concurrent pulls overlap.</summary>
    public TimeSpan CdnDelay { get; set; }

    public static async Task<FakeHub> StartAsync(Dictionary<string, string> repos, bool tls = false)
    {
        var loaded = new ConcurrentDictionary<string, Repo>(repos.ToDictionary(r => r.Key, r => Repo.FromFolder(r.Value)));
        int hubPort = FreePort(), cdnPort = FreePort();
        int? tlsPort = tls ? FreePort() : null;
        X509Certificate2? certificate = tls ? SelfSignedCertificate() : null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, hubPort);
            k.Listen(IPAddress.Loopback, cdnPort);
            if (tlsPort is int port)
            {
                k.Listen(IPAddress.Loopback, port, l => l.UseHttps(certificate!));
            }
        });
        var app = builder.Build();
        var hub = new FakeHub(app, loaded, hubPort, cdnPort, tlsPort, certificate);
        app.MapMethods("/{owner}/{name}/resolve/{rev}/{**path}", ["GET", "HEAD"], hub.ResolveAsync);
        app.MapMethods("/cdn-lfs/{owner}/{name}/{commit}/{**path}", ["GET", "HEAD"], hub.CdnAsync);
        app.MapGet("/api/models/{owner}/{name}/revision/{rev}", hub.RevisionAsync);
        await app.StartAsync().ConfigureAwait(false);
        return hub;
    }

    /// <summary>The checksums the hub publishes for a file at <c>main</c>: (SHA-256, git blob SHA-1).</summary>
    public (string Sha256, string GitSha1) Checksums(string repo, string path) => Blob.Of(_repos[repo].Head.Files[path]).Hashes;

    /// <summary>The bytes of a file at a commit (default: <c>main</c>).</summary>
    public byte[] Content(string repo, string path, string? commit = null) => _repos[repo].Commits[commit ?? _repos[repo].HeadCommit].Files[path];

    /// <summary>Publishes a commit changing some files and moves <c>main</c> to it; returns its hash.</summary>
    public string PublishCommit(string repo, IReadOnlyDictionary<string, byte[]> changes) => _repos[repo].Publish(changes);

    public long BytesServed(string pathSuffix) => Log.Where(r => r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).Sum(r => r.BytesSent);

    /// <summary>Bytes of file content sent by GETs (what a client downloaded).</summary>
    public long BytesDownloaded => Log.Where(r => r.Method == "GET").Sum(r => r.BytesSent);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Certificate?.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private void Record(HttpContext http, int status, long bytes)
    {
        string? auth = http.Request.Headers.Authorization.Count > 0 ? http.Request.Headers.Authorization.ToString() : null;
        string? range = http.Request.Headers.Range.Count > 0 ? http.Request.Headers.Range.ToString() : null;
        var entry = new HubRequest(http.Request.Method, http.Request.Path, range, auth, status, bytes, http.Connection.LocalPort, DateTimeOffset.UtcNow);
        Log.Enqueue(entry);
        OnRequest?.Invoke(entry);
    }

    private bool TryFault(HttpContext http, HubStage stage, string path)
    {
        if (!FailNext.TryGetValue((stage, path), out var queue) || !queue.TryDequeue(out var fault))
        {
            return false;
        }

        http.Response.StatusCode = fault.Status;
        if (fault.RetryAfter is not null)
        {
            http.Response.Headers.RetryAfter = fault.RetryAfter;
        }

        Record(http, fault.Status, 0);
        return true;
    }

    private bool Authorized(HttpContext http, string repo)
        => !GatedRepos.TryGetValue(repo, out string? token) || http.Request.Headers.Authorization.ToString() == "Bearer " + token;

    private string? CommitOf(Repo repo, string rev) => rev == "main" ? repo.HeadCommit : repo.Commits.ContainsKey(rev) ? rev : null;

    private async Task ResolveAsync(HttpContext http, string owner, string name, string rev, string path)
    {
        string repoName = owner + "/" + name;
        if (TryFault(http, HubStage.Resolve, path))
        {
            return;
        }

        if (!Authorized(http, repoName))
        {
            http.Response.StatusCode = 401;
            http.Response.Headers["X-Error-Code"] = "GatedRepo";
            Record(http, 401, 0);
            return;
        }

        if (!_repos.TryGetValue(repoName, out var repo))
        {
            http.Response.StatusCode = 404;
            http.Response.Headers["X-Error-Code"] = "RepoNotFound";
            Record(http, 404, 0);
            return;
        }

        if (CommitOf(repo, Uri.UnescapeDataString(rev)) is not { } commit)
        {
            http.Response.StatusCode = 404;
            http.Response.Headers["X-Error-Code"] = "RevisionNotFound";
            Record(http, 404, 0);
            return;
        }

        if (!OmitRepoCommit)
        {
            http.Response.Headers["X-Repo-Commit"] = commit;
        }

        if (!repo.Commits[commit].Files.TryGetValue(path, out byte[]? data))
        {
            http.Response.StatusCode = 404;
            http.Response.Headers["X-Error-Code"] = "EntryNotFound";
            Record(http, 404, 0);
            return;
        }

        var blob = Blob.Of(data);
        if (RedirectResolve.TryGetValue(path, out string? location))
        {
            http.Response.StatusCode = 302;
            http.Response.Headers.Location = location;
            Record(http, 302, 0);
            return;
        }

        if (path.EndsWith(".onnx", StringComparison.Ordinal))
        {
            http.Response.StatusCode = 302;
            http.Response.Headers["X-Linked-Etag"] = "\"" + blob.Hashes.Sha256 + "\"";
            if (!OmitLinkedSize.ContainsKey(path))
            {
                http.Response.Headers["X-Linked-Size"] = data.Length.ToString(CultureInfo.InvariantCulture);
            }

            http.Response.Headers.ETag = "\"" + blob.Hashes.Sha256 + "\"";
            string cdnPath = $"/cdn-lfs/{repoName}/{commit}/{path}";
            http.Response.Headers.Location = CdnOnSameOrigin ? cdnPath : $"http://127.0.0.1:{CdnPort}{cdnPath}";
            Record(http, 302, 0);
            return;
        }

        http.Response.StatusCode = 200;
        http.Response.Headers.ETag = "\"" + blob.Hashes.GitSha1 + "\"";
        http.Response.ContentLength = data.Length;
        bool get = HttpMethods.IsGet(http.Request.Method);
        Record(http, 200, get ? data.Length : 0); // logged before the body: a client that has every byte sees its request logged
        if (get)
        {
            await http.Response.Body.WriteAsync(data).ConfigureAwait(false);
        }
    }

    private async Task CdnAsync(HttpContext http, string owner, string name, string commit, string path)
    {
        if (CdnDelay > TimeSpan.Zero)
        {
            await Task.Delay(CdnDelay).ConfigureAwait(false);
        }

        if (HangHeaders.TryGetValue(path, out int hangs) && hangs > 0 && HangHeaders.TryUpdate(path, hangs - 1, hangs))
        {
            Record(http, 0, 0);
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        if (TryFault(http, HubStage.Cdn, path))
        {
            return;
        }

        string repoName = owner + "/" + name;
        if (CdnRequiresToken && !Authorized(http, repoName))
        {
            http.Response.StatusCode = 401;
            Record(http, 401, 0);
            return;
        }

        if (!_repos.TryGetValue(repoName, out var repo) || !repo.Commits.TryGetValue(commit, out var snapshot) || !snapshot.Files.TryGetValue(path, out byte[]? data))
        {
            http.Response.StatusCode = 404;
            Record(http, 404, 0);
            return;
        }

        http.Response.Headers.ETag = "\"" + Blob.Of(data).Hashes.Sha256 + "\"";
        if (Corrupt.ContainsKey(path))
        {
            data = (byte[])data.Clone();
            data[data.Length / 2] ^= 0xFF;
        }

        string? range = http.Request.Headers.Range.Count > 0 ? http.Request.Headers.Range.ToString() : null;
        long start = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
        }

        if (start > 0 && start >= data.Length)
        {
            http.Response.StatusCode = 416;
            Record(http, 416, 0);
            return;
        }

        int status = start > 0 ? 206 : 200;
        http.Response.StatusCode = status;
        http.Response.Headers.AcceptRanges = "bytes";
        if (status == 206)
        {
            http.Response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{data.Length - 1}/{data.Length}");
        }

        int extra = ExtraBytes.TryGetValue(path, out int e) ? e : 0;
        if (extra == 0)
        {
            http.Response.ContentLength = data.Length - start; // else chunked: nothing announces the length
        }

        if (HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.ContentLength = data.Length - start;
            Record(http, status, 0);
            return;
        }

        long end = data.Length;
        bool cut = CutOnce.TryRemove(path, out long cutAt);
        if (cut)
        {
            end = Math.Min(end, start + cutAt);
        }

        Record(http, status, end - start + extra);
        for (long pos = start; pos < end; pos += 64 * 1024)
        {
            int n = (int)Math.Min(64 * 1024, end - pos);
            await http.Response.Body.WriteAsync(data.AsMemory((int)pos, n)).ConfigureAwait(false);
            await http.Response.Body.FlushAsync().ConfigureAwait(false);
        }

        if (extra > 0)
        {
            await http.Response.Body.WriteAsync(new byte[extra]).ConfigureAwait(false);
        }

        if (cut)
        {
            http.Abort(); // the connection drops mid-file, as a flaky network would
        }
    }

    private async Task RevisionAsync(HttpContext http, string owner, string name, string rev)
    {
        string repoName = owner + "/" + name;
        if (!_repos.TryGetValue(repoName, out var repo) || CommitOf(repo, Uri.UnescapeDataString(rev)) is not { } commit)
        {
            http.Response.StatusCode = 404;
            http.Response.Headers["X-Error-Code"] = repo is null ? "RepoNotFound" : "RevisionNotFound";
            Record(http, 404, 0);
            return;
        }

        byte[] body = Encoding.UTF8.GetBytes($$"""{"id":"{{repoName}}","sha":"{{commit}}"}""");
        http.Response.ContentType = "application/json";
        Record(http, 200, 0);
        await http.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    /// <summary>A file's bytes and the checksums the hub publishes for them.</summary>
    private sealed record Blob((string Sha256, string GitSha1) Hashes)
    {
        private static readonly ConditionalWeakTable<byte[], Blob> s_cache = new();

        public static Blob Of(byte[] data) => s_cache.GetValue(data, d =>
        {
            byte[] header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {d.Length}\0"));
            return new Blob((Convert.ToHexStringLower(SHA256.HashData(d)), Convert.ToHexStringLower(SHA1.HashData([.. header, .. d]))));
        });
    }

    /// <summary>A repository's commits; <c>main</c> points to the newest.</summary>
    private sealed class Repo
    {
        private int _published;

        public ConcurrentDictionary<string, Snapshot> Commits { get; } = new();

        public string HeadCommit { get; private set; } = Commit;

        public Snapshot Head => Commits[HeadCommit];

        public static Repo FromFolder(string folder)
        {
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + ".", StringComparison.Ordinal))
                .ToDictionary(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);
            var repo = new Repo();
            repo.Commits[Commit] = new Snapshot(files);
            return repo;
        }

        public string Publish(IReadOnlyDictionary<string, byte[]> changes)
        {
            var files = new Dictionary<string, byte[]>(Head.Files);
            foreach (var (path, data) in changes)
            {
                files[path] = data;
            }

            int n = Interlocked.Increment(ref _published);
            string commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{HeadCommit}:{n}")));
            Commits[commit] = new Snapshot(files);
            HeadCommit = commit;
            return commit;
        }
    }

    private sealed record Snapshot(IReadOnlyDictionary<string, byte[]> Files);
}
