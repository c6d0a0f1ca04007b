using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Models;

/// <summary>
/// Downloads catalog models from the Hugging Face hub (or a mirror) into a local cache, and finds them there.
/// Every file is verified against the checksum the hub publishes (SHA-256 of LFS files, the git blob SHA-1 of
/// small files); interrupted downloads resume with HTTP ranges; a model folder appears in the cache only once all
/// of its files are verified, and concurrent pulls of one model (threads or processes) wait for each other.
/// </summary>
public sealed class ModelHub : IDisposable
{
    /// <summary>The file inside a cached model folder that records where it came from; its presence marks a complete model.</summary>
    public const string ManifestFileName = ".clipsharp-model.json";

    private const int MaxRedirects = 5;
    private readonly HttpClient _metadataClient;
    private readonly HttpClient _downloadClient;
    private readonly bool _ownsClients;

    private ModelHub(ModelHubOptions options, HttpClient metadata, HttpClient download, bool owns)
    {
        Options = options;
        _metadataClient = metadata;
        _downloadClient = download;
        _ownsClients = owns;
    }

    /// <summary>Creates a hub client; options default to <see cref="ModelHubOptions.FromEnvironment"/>.</summary>
    public static ModelHub Create(ModelHubOptions? options = null)
    {
        options ??= ModelHubOptions.FromEnvironment();
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the hub endpoint must be an http(s) URL, got '{options.Endpoint}'");
        }

        // Metadata requests must see the hub's redirect (it carries the LFS checksum headers); downloads follow it.
        var metadata = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = options.ReadTimeout }) { Timeout = options.ReadTimeout };
        var download = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = MaxRedirects, ConnectTimeout = options.ReadTimeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        foreach (var client in new[] { metadata, download })
        {
            client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("clipsharp", typeof(ModelHub).Assembly.GetName().Version?.ToString(3) ?? "0"));
        }

        return new ModelHub(options, metadata, download, owns: true);
    }

    /// <summary>The options in force.</summary>
    public ModelHubOptions Options { get; }

    /// <summary>The folder holding downloaded models.</summary>
    public string ModelsDirectory => Path.Combine(Options.CacheDirectory, "models");

    /// <summary>The cache folder of a catalog model (and variant).</summary>
    public string ModelDirectory(CatalogEntry entry, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Path.Combine(ModelsDirectory, variant is null ? entry.Name : entry.Name + "." + variant);
    }

    /// <summary>True when the model is completely in the cache.</summary>
    public bool IsCached(CatalogEntry entry, string? variant = null) => File.Exists(Path.Combine(ModelDirectory(entry, variant), ManifestFileName));

    /// <summary>Bytes the cached model occupies, or 0 when it is not cached.</summary>
    public long CachedBytes(CatalogEntry entry, string? variant = null)
    {
        string dir = ModelDirectory(entry, variant);
        return IsCached(entry, variant) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
    }

    /// <summary>Removes a cached model (and its partial downloads); returns false when nothing was there.</summary>
    public bool Remove(CatalogEntry entry, string? variant = null)
    {
        string key = Key(entry, variant);
        using var gate = AcquireLock(key, CancellationToken.None);
        bool removed = false;
        foreach (string dir in new[] { ModelDirectory(entry, variant), Path.Combine(ModelsDirectory, ".partial", key) })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
                removed = true;
            }
        }

        return removed;
    }

    /// <summary>
    /// The folder of a model reference: an existing folder as it is, else a catalog name (optionally
    /// <c>NAME:VARIANT</c>), pulled first when not cached (unless offline).
    /// </summary>
    public async Task<ResolvedModel> ResolveAsync(string reference, IProgress<DownloadProgress>? progress = null, Action<string>? notice = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (Directory.Exists(reference))
        {
            return new ResolvedModel(Path.GetFullPath(reference), null, null);
        }

        string? variant = null;
        var entry = ModelCatalog.Find(reference);
        if (entry is null)
        {
            (string name, variant) = ModelCatalog.ParseReference(reference);
            entry = ModelCatalog.Find(name);
        }

        if (entry is null)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"no model folder or catalog model of that name; catalog models: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))} (see 'clipsharp models list')", reference);
        }

        _ = entry.FilesFor(variant);
        if (!IsCached(entry, variant))
        {
            if (Options.Offline)
            {
                throw NotCached(entry, variant);
            }

            notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"downloading {Display(entry, variant)} from {entry.Repository} (about {FormatBytes(entry.ApproximateBytesFor(variant))}) into {ModelDirectory(entry, variant)}"));
            await PullAsync(entry, variant, progress, cancellationToken).ConfigureAwait(false);
        }

        return new ResolvedModel(ModelDirectory(entry, variant), entry, variant);
    }

    /// <summary>
    /// Downloads a catalog model into the cache (a no-op when it is already there) and returns its folder.
    /// </summary>
    /// <exception cref="ClipSharpException">Network, HTTP, checksum or disk errors, each with one actionable message.</exception>
    public async Task<string> PullAsync(CatalogEntry entry, string? variant = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        IReadOnlyList<string> files = entry.FilesFor(variant);
        string target = ModelDirectory(entry, variant);
        if (IsCached(entry, variant))
        {
            return target;
        }

        if (Options.Offline)
        {
            throw NotCached(entry, variant);
        }

        string key = Key(entry, variant);
        Directory.CreateDirectory(ModelsDirectory);
        using var gate = AcquireLock(key, cancellationToken);
        if (IsCached(entry, variant))
        {
            return target; // another pull finished while we waited for the lock
        }

        string staging = Path.Combine(ModelsDirectory, ".partial", key);
        string complete = Path.Combine(staging, "files");
        Directory.CreateDirectory(complete);

        var remote = new List<RemoteFile>(files.Count);
        foreach (string file in files)
        {
            remote.Add(await GetMetadataAsync(entry, file, cancellationToken).ConfigureAwait(false));
        }

        long total = remote.Sum(r => r.Size);
        long present = remote.Sum(r => PresentBytes(staging, complete, r));
        EnsureFreeSpace(total - present);

        var clock = Stopwatch.StartNew();
        long done = present;
        long startedWith = present;
        foreach (var file in remote)
        {
            string final = Path.Combine(complete, file.Path);
            if (File.Exists(final) && new FileInfo(final).Length == file.Size)
            {
                continue;
            }

            string part = Path.Combine(staging, file.Path + ".part");
            Directory.CreateDirectory(Path.GetDirectoryName(part)!);
            await DownloadAsync(entry, file, part, bytes =>
            {
                done += bytes;
                double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                progress?.Report(new DownloadProgress(Display(entry, variant), file.Path, done, total, (done - startedWith) / seconds));
            }, cancellationToken).ConfigureAwait(false);

            Verify(entry, file, part);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(part, final, overwrite: true);
        }

        WriteManifest(complete, entry, variant, remote);
        if (Directory.Exists(target))
        {
            // A folder without a manifest is a leftover of an older, interrupted layout: never a usable model.
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(complete, target);
        Directory.Delete(staging, recursive: true);
        progress?.Report(new DownloadProgress(Display(entry, variant), string.Empty, total, total, (total - startedWith) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
        return target;
    }

    /// <summary>The manifest of a cached model (what was fetched, from which commit), or null.</summary>
    public CachedModelManifest? ReadManifest(CatalogEntry entry, string? variant = null)
    {
        string path = Path.Combine(ModelDirectory(entry, variant), ManifestFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            return new CachedModelManifest(
                root.GetProperty("repository").GetString() ?? string.Empty,
                root.GetProperty("revision").GetString() ?? string.Empty,
                root.TryGetProperty("commit", out var c) ? c.GetString() : null,
                root.GetProperty("bytes").GetInt64(),
                DateTimeOffset.Parse(root.GetProperty("pulled").GetString()!, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, "damaged cache manifest; remove the model with 'clipsharp models rm' and pull it again", path, ex);
        }
    }

    /// <summary>Formats a byte count for people (e.g. 606 MB).</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0} MB"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private static string Display(CatalogEntry entry, string? variant) => variant is null ? entry.Name : entry.Name + ":" + variant;

    private static string Key(CatalogEntry entry, string? variant) => variant is null ? entry.Name : entry.Name + "." + variant;

    private ClipSharpException NotCached(CatalogEntry entry, string? variant)
        => new(ClipErrorKind.NotCached,
            $"model {Display(entry, variant)} is not in the cache ({ModelDirectory(entry, variant)}) and the network is off (--offline / HF_HUB_OFFLINE); "
            + $"get it with 'clipsharp models pull {Display(entry, variant)}' where the hub is reachable, or pass --model DIR with a downloaded folder");

    private static long PresentBytes(string staging, string complete, RemoteFile file)
    {
        string final = Path.Combine(complete, file.Path);
        if (File.Exists(final))
        {
            return new FileInfo(final).Length;
        }

        string part = Path.Combine(staging, file.Path + ".part");
        return File.Exists(part) ? Math.Min(new FileInfo(part).Length, file.Size) : 0;
    }

    private void EnsureFreeSpace(long needed)
    {
        long? free = FreeSpace(ModelsDirectory);
        if (free is long available && needed > available)
        {
            throw new ClipSharpException(ClipErrorKind.DiskFull,
                $"not enough disk space: the download needs {FormatBytes(needed)} but {FormatBytes(available)} is free; free some space or set CLIPSHARP_HOME to another disk", ModelsDirectory);
        }
    }

    /// <summary>Free bytes on the mount holding <paramref name="path"/>, or null when that cannot be known.</summary>
    private static long? FreeSpace(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            DriveInfo? best = null;
            foreach (var drive in DriveInfo.GetDrives())
            {
                string mount = drive.RootDirectory.FullName;
                if (full.StartsWith(mount, StringComparison.Ordinal) && (best is null || mount.Length > best.RootDirectory.FullName.Length))
                {
                    best = drive;
                }
            }

            return best?.AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null; // some container file systems cannot say; the write itself will report a full disk
        }
    }

    private FileStream AcquireLock(string key, CancellationToken cancellationToken)
    {
        string dir = Path.Combine(ModelsDirectory, ".locks");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, key + ".lock");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock that other processes honour too.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromHours(2))
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Sleep(100);
            }
        }
    }

    private async Task<RemoteFile> GetMetadataAsync(CatalogEntry entry, string file, CancellationToken cancellationToken)
    {
        var uri = ResolveUri(entry, file);
        for (int hop = 0; hop <= MaxRedirects; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, uri);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            AddToken(request);
            using var response = await SendAsync(_metadataClient, request, entry, file, cancellationToken).ConfigureAwait(false);
            string? linkedEtag = Header(response, "X-Linked-Etag");
            string? commit = Header(response, "X-Repo-Commit");
            if ((int)response.StatusCode is >= 300 and < 400 && linkedEtag is null)
            {
                var location = response.Headers.Location
                    ?? throw new ClipSharpException(ClipErrorKind.Download, $"redirect without a location for {file}", entry.Repository);
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }

            if (!response.IsSuccessStatusCode && (int)response.StatusCode is not (>= 300 and < 400))
            {
                throw HttpError(response.StatusCode, entry, file, uri);
            }

            string? etag = linkedEtag ?? response.Headers.ETag?.Tag ?? Header(response, "ETag");
            string? sizeText = Header(response, "X-Linked-Size");
            long size = sizeText is not null && long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out long linked)
                ? linked
                : response.Content.Headers.ContentLength ?? -1;
            string hash = NormalizeEtag(etag);
            if (size < 0 || hash.Length is not (40 or 64))
            {
                throw new ClipSharpException(ClipErrorKind.Download,
                    $"the hub gave no usable size or checksum for {file} (ETag '{etag}', size {size}); refusing to download an unverifiable file", entry.Repository);
            }

            return new RemoteFile(file, size, hash, commit);
        }

        throw new ClipSharpException(ClipErrorKind.Download, $"too many redirects for {file}", entry.Repository);
    }

    private async Task DownloadAsync(CatalogEntry entry, RemoteFile file, string part, Action<long> onBytes, CancellationToken cancellationToken)
    {
        long existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (existing > file.Size)
        {
            File.Delete(part);
            existing = 0;
        }

        if (existing == file.Size)
        {
            return;
        }

        var uri = ResolveUri(entry, file.Path);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        AddToken(request);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var response = await SendAsync(_downloadClient, request, entry, file.Path, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(part);
            throw new ClipSharpException(ClipErrorKind.Download, $"the server refused to resume {file.Path}; the partial file was discarded, run the pull again", entry.Repository);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HttpError(response.StatusCode, entry, file.Path, uri);
        }

        bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (resumed && response.Content.Headers.ContentRange?.From != existing)
        {
            File.Delete(part);
            throw new ClipSharpException(ClipErrorKind.Download, $"the server resumed {file.Path} at the wrong offset; the partial file was discarded, run the pull again", entry.Repository);
        }

        if (!resumed && existing > 0)
        {
            onBytes(-existing); // the server ignored the range: start over
        }

        try
        {
            await using var output = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[1 << 20];
            long written = resumed ? existing : 0;
            while (true)
            {
                int read;
                using (var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    readTimeout.CancelAfter(Options.ReadTimeout);
                    try
                    {
                        read = await input.ReadAsync(buffer, readTimeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new ClipSharpException(ClipErrorKind.Network,
                            $"the download of {file.Path} stalled for {Options.ReadTimeout.TotalSeconds:0} s; run the pull again to resume", entry.Repository);
                    }
                }

                if (read == 0)
                {
                    break;
                }

                if (written + read > file.Size)
                {
                    throw new ClipSharpException(ClipErrorKind.ChecksumMismatch, $"{file.Path} is larger than the {file.Size} bytes the hub announced; refused", entry.Repository);
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                written += read;
                onBytes(read);
            }

            if (written != file.Size)
            {
                throw new ClipSharpException(ClipErrorKind.Network,
                    $"the connection closed after {written} of {file.Size} bytes of {file.Path}; run the pull again to resume", entry.Repository);
            }
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            throw new ClipSharpException(ClipErrorKind.DiskFull, $"disk full while writing {file.Path}; free some space or set CLIPSHARP_HOME to another disk, then pull again to resume", ModelsDirectory, ex);
        }
        catch (IOException ex) when (ex.InnerException is SocketException || ex is HttpIOException)
        {
            throw new ClipSharpException(ClipErrorKind.Network, $"the connection broke while downloading {file.Path} ({ex.Message}); run the pull again to resume", entry.Repository, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Network, $"the connection broke while downloading {file.Path} ({ex.Message}); run the pull again to resume", entry.Repository, ex);
        }
    }

    private static void Verify(CatalogEntry entry, RemoteFile file, string part)
    {
        string actual;
        using (var stream = File.OpenRead(part))
        {
            actual = file.ExpectedHash.Length == 64 ? Convert.ToHexStringLower(SHA256.HashData(stream)) : GitBlobSha1(stream);
        }

        if (!string.Equals(actual, file.ExpectedHash, StringComparison.Ordinal))
        {
            File.Delete(part);
            throw new ClipSharpException(ClipErrorKind.ChecksumMismatch,
                $"checksum mismatch for {file.Path}: the hub publishes {file.ExpectedHash}, the download has {actual}; the file was discarded and nothing was cached", entry.Repository);
        }
    }

    private static string GitBlobSha1(Stream stream)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {stream.Length}\0")));
        byte[] buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    private static void WriteManifest(string folder, CatalogEntry entry, string? variant, List<RemoteFile> files)
    {
        using var stream = File.Create(Path.Combine(folder, ManifestFileName));
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("name", entry.Name);
        if (variant is not null)
        {
            writer.WriteString("variant", variant);
        }

        writer.WriteString("repository", entry.Repository);
        writer.WriteString("revision", entry.Revision);
        string? commit = files.Select(f => f.Commit).FirstOrDefault(c => c is not null);
        if (commit is not null)
        {
            writer.WriteString("commit", commit);
        }

        writer.WriteNumber("bytes", files.Sum(f => f.Size));
        writer.WriteString("pulled", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteStartArray("files");
        foreach (var f in files)
        {
            writer.WriteStartObject();
            writer.WriteString("path", f.Path);
            writer.WriteNumber("size", f.Size);
            writer.WriteString(f.ExpectedHash.Length == 64 ? "sha256" : "git_sha1", f.ExpectedHash);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private Uri ResolveUri(CatalogEntry entry, string file)
        => new($"{Options.Endpoint.TrimEnd('/')}/{entry.Repository}/resolve/{Uri.EscapeDataString(entry.Revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    private void AddToken(HttpRequestMessage request)
    {
        if (Options.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Options.Token);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CatalogEntry entry, string file, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await client.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Network,
                $"cannot reach {Options.Endpoint} to fetch {file} ({ex.Message}); check the network, set HF_ENDPOINT to a mirror, or use --offline with a cached model", entry.Repository, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClipSharpException(ClipErrorKind.Network,
                $"{Options.Endpoint} did not answer within {Options.ReadTimeout.TotalSeconds:0} s for {file}; check the network or set HF_ENDPOINT to a mirror", entry.Repository, ex);
        }
    }

    private ClipSharpException HttpError(HttpStatusCode status, CatalogEntry entry, string file, Uri uri) => (int)status switch
    {
        401 => new(ClipErrorKind.Download, Options.Token is null
            ? $"401 unauthorized for {file}: the repository is gated or private; set HF_TOKEN to a token that can read it"
            : $"401 unauthorized for {file}: HF_TOKEN was rejected; check that it is valid", entry.Repository),
        403 => new(ClipErrorKind.Download, $"403 forbidden for {file}: your token has no access to {entry.Repository} (accept its terms on the hub, or use a token that can read it)", entry.Repository),
        404 => new(ClipErrorKind.Download, $"404 not found: {file} at revision '{entry.Revision}' ({uri})", entry.Repository),
        _ => new(ClipErrorKind.Download, string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)status} {status} for {file} ({uri})"), entry.Repository),
    };

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()
            : response.Content.Headers.TryGetValues(name, out var content) ? content.FirstOrDefault() : null;

    private static string NormalizeEtag(string? etag)
    {
        if (etag is null)
        {
            return string.Empty;
        }

        string e = etag.Trim();
        if (e.StartsWith("W/", StringComparison.Ordinal))
        {
            e = e[2..];
        }

        e = e.Trim('"').ToLowerInvariant();
        return e.All(char.IsAsciiHexDigit) ? e : string.Empty;
    }

    private static bool IsDiskFull(IOException ex)
        => (ex.HResult & 0xFFFF) is 28 or 112 || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    /// <summary>Releases the HTTP clients.</summary>
    public void Dispose()
    {
        if (_ownsClients)
        {
            _metadataClient.Dispose();
            _downloadClient.Dispose();
        }
    }

    private sealed record RemoteFile(string Path, long Size, string ExpectedHash, string? Commit);
}

/// <summary>A model reference resolved to a local folder.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Entry">The catalog entry, or null when the reference was a folder.</param>
/// <param name="Variant">The variant, or null.</param>
public sealed record ResolvedModel(string Folder, CatalogEntry? Entry, string? Variant);

/// <summary>What the cache records about a pulled model.</summary>
/// <param name="Repository">The hub repository.</param>
/// <param name="Revision">The revision asked for.</param>
/// <param name="Commit">The commit the hub served (X-Repo-Commit), when it said.</param>
/// <param name="Bytes">Total size of the files.</param>
/// <param name="Pulled">When the pull completed.</param>
public sealed record CachedModelManifest(string Repository, string Revision, string? Commit, long Bytes, DateTimeOffset Pulled);
