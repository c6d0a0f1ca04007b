using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Models;

/// <summary>
/// The one HTTP path to the hub, for metadata and downloads alike. Redirects are followed by hand: only to http and
/// https addresses, at most <see cref="MaxRedirects"/>, and the token goes only to the origin (scheme, host, port) of
/// the configured endpoint: it is kept on same-origin redirects and dropped for good at the first hop to another
/// origin (a CDN, another port, https → http). Each request has a deadline for its response headers
/// (<see cref="ModelHubOptions.MetadataTimeout"/>, <see cref="ModelHubOptions.DownloadTimeout"/>). Failures are
/// <see cref="HubRequestFailure"/>s naming the address that failed (the CDN's, not the resolve URL) and the hub's
/// <c>X-Error-Code</c>; this class makes one attempt, callers retry with <see cref="RetryPolicy"/>.
/// </summary>
internal sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private const int MaxApiResponseBytes = 16 << 20;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string? _authorization;
    private readonly ModelHubOptions _options;

    private HubClient(ModelHubOptions options, HttpClient http, Uri endpoint, string? authorization)
    {
        _options = options;
        _http = http;
        _endpoint = endpoint;
        _authorization = authorization;
    }

    /// <summary>Creates the client; validates the endpoint and the token (a token that cannot be a header value is a one-line error that does not show it).</summary>
    public static HubClient Create(ModelHubOptions options)
    {
        var endpoint = ParseEndpoint(options.Endpoint);
        string? token = HuggingFaceEnvironment.CleanToken(options.Token);
        string? authorization = token is null ? null : HuggingFaceEnvironment.HeaderSafeToken(token);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.MetadataTimeout > options.DownloadTimeout ? options.MetadataTimeout : options.DownloadTimeout,
            UseCookies = false,
        };
        options.ConfigureHandler?.Invoke(handler);
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("clipsharp", typeof(HubClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return new HubClient(options, http, endpoint, authorization);
    }

    /// <summary>True when a token is configured.</summary>
    public bool HasToken => _authorization is not null;

    /// <summary>The endpoint as printed in messages.</summary>
    public string Endpoint => Display(_endpoint);

    /// <summary>Validates a hub address: absolute http(s), no credentials, query or fragment.</summary>
    public static Uri ParseEndpoint(string endpoint)
    {
        if (!Uri.TryCreate(endpoint?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the hub endpoint must be an http(s) address without credentials or query, got '{endpoint}' (HF_ENDPOINT)");
        }

        return uri;
    }

    /// <summary>The hub's <c>resolve</c> address of a file at a revision.</summary>
    public Uri ResolveUri(string repository, string revision, string path)
        => new($"{_endpoint.AbsoluteUri.TrimEnd('/')}/{EscapePath(repository)}/resolve/{Uri.EscapeDataString(revision)}/{EscapePath(path)}");

    /// <summary>
    /// The checksum, size and commit of a file, from a <c>HEAD</c> of its resolve address; for an LFS file they come from
    /// the hub's redirect to the CDN, which is not followed.
    /// </summary>
    public async Task<RemoteFile> GetMetadataAsync(string repository, string revision, string path, CancellationToken cancellationToken)
    {
        var uri = ResolveUri(repository, revision, path);
        using var response = await SendAsync(HttpMethod.Head, uri, 0, _options.MetadataTimeout, "HF_HUB_ETAG_TIMEOUT", stopAtLinkedMetadata: true, path, cancellationToken).ConfigureAwait(false);
        bool redirect = IsRedirect(response.Message.StatusCode);
        if (!response.Message.IsSuccessStatusCode && !redirect)
        {
            throw StatusFailure(response, repository, revision, path);
        }

        var headers = response.Headers;
        string hash = HubFileHeaders.NormalizeEtag(headers.LinkedEtag ?? headers.Etag);
        if (hash.Length == 0)
        {
            throw new HubRequestFailure(ClipErrorKind.Download,
                $"{Display(response.Uri)} gave no checksum for {path} (ETag '{OneLine(headers.LinkedEtag ?? headers.Etag ?? "")}'); refusing a file that cannot be verified", transient: false);
        }

        // As huggingface_hub: X-Linked-Size, else the Content-Length of a final (not redirect) response without compression.
        long? size = long.TryParse(headers.LinkedSize, NumberStyles.None, CultureInfo.InvariantCulture, out long linked) ? linked
            : !redirect && response.Message.Content.Headers.ContentEncoding.Count == 0 ? response.Message.Content.Headers.ContentLength
            : null;
        return new RemoteFile(path, size, hash, AsCommit(headers.RepoCommit));
    }

    /// <summary>
    /// The commit a revision points to, from the hub's revision API (<c>/api/models/{repo}/revision/{rev}</c>), or
    /// null when the endpoint has no such API (a plain mirror).
    /// </summary>
    public async Task<string?> GetCommitAsync(string repository, string revision, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{_endpoint.AbsoluteUri.TrimEnd('/')}/api/models/{EscapePath(repository)}/revision/{Uri.EscapeDataString(revision)}");
        using var response = await SendAsync(HttpMethod.Get, uri, 0, _options.MetadataTimeout, "HF_HUB_ETAG_TIMEOUT", stopAtLinkedMetadata: false, "the revision", cancellationToken).ConfigureAwait(false);
        string? errorCode = HubFileHeaders.Header(response.Message, "X-Error-Code");
        if (response.Message.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed && errorCode is null)
        {
            return null;
        }

        if (!response.Message.IsSuccessStatusCode)
        {
            throw StatusFailure(response, repository, revision, "the revision");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.MetadataTimeout);
        try
        {
            await using var body = await response.Message.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxApiResponseBytes)
                {
                    return null; // not the hub's API: pin by X-Repo-Commit only
                }

                buffer.Write(chunk, 0, read);
            }

            using var json = JsonDocument.Parse(buffer.ToArray());
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String
                ? AsCommit(sha.GetString())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HubRequestFailure(ClipErrorKind.Network, string.Create(CultureInfo.InvariantCulture,
                $"no complete answer from {Display(uri)} within {_options.MetadataTimeout.TotalSeconds:0.###} s (HF_HUB_ETAG_TIMEOUT)"), transient: true, null, ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new HubRequestFailure(ClipErrorKind.Network, $"the connection to {Display(uri)} broke ({OneLine(ex.Message)})", transient: true, null, ex);
        }
    }

    /// <summary>
    /// Starts a download of a file from <paramref name="from"/> (a <c>Range</c> request when above 0), following the
    /// hub's redirect to the CDN. The response is a success (200, 206) or 416; the caller reads the body.
    /// </summary>
    public async Task<HubResponse> OpenDownloadAsync(Uri resolveUri, long from, string repository, string revision, string path, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, resolveUri, from, _options.DownloadTimeout, "HF_HUB_DOWNLOAD_TIMEOUT", stopAtLinkedMetadata: false, path, cancellationToken).ConfigureAwait(false);
        if (response.Message.IsSuccessStatusCode || response.Message.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return response;
        }

        using (response)
        {
            throw StatusFailure(response, repository, revision, path);
        }
    }

    /// <summary>An address as messages show it: scheme, host, port and path, without credentials or query (CDN signatures).</summary>
    public static string Display(Uri uri) => uri.IsAbsoluteUri ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}" : uri.OriginalString;

    /// <summary>Text from a server or an exception made safe for a one-line message: control characters replaced, length capped.</summary>
    public static string OneLine(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 200));
        foreach (char c in text)
        {
            if (sb.Length >= 200)
            {
                sb.Append('…');
                break;
            }

            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        return sb.ToString().Trim();
    }

    /// <summary>A 40-digit commit hash in lower case, or null for anything else (never used in a path or URL unchecked).</summary>
    public static string? AsCommit(string? value)
    {
        string? v = value?.Trim().ToLowerInvariant();
        return v is { Length: 40 } && FileVerifier.IsKnownHash(v) ? v : null;
    }

    public void Dispose() => _http.Dispose();

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    private static bool IsSameOrigin(Uri a, Uri b)
        => string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
            && a.Port == b.Port;

    /// <summary>
    /// Sends a request and follows its redirects (see the class summary for the token rule). With
    /// <paramref name="stopAtLinkedMetadata"/> a redirect that carries <c>X-Linked-Etag</c> is the answer (a metadata
    /// request never needs the CDN).
    /// </summary>
    private async Task<HubResponse> SendAsync(HttpMethod method, Uri start, long from, TimeSpan timeout, string timeoutVariable, bool stopAtLinkedMetadata,
        string file, CancellationToken cancellationToken)
    {
        var headers = new HubFileHeaders();
        var uri = start;
        bool mayAuthorize = _authorization is not null;
        for (int hop = 0; ; hop++)
        {
            // Once a hop leaves the endpoint's origin the token stays off, even if a later redirect comes back.
            mayAuthorize &= IsSameOrigin(uri, _endpoint);
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (from > 0)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
            }

            if (mayAuthorize)
            {
                request.Headers.TryAddWithoutValidation("Authorization", _authorization);
            }

            var response = await SendOnceAsync(request, timeout, timeoutVariable, cancellationToken).ConfigureAwait(false);
            headers.Absorb(response);
            if (!IsRedirect(response.StatusCode) || (stopAtLinkedMetadata && headers.LinkedEtag is not null))
            {
                return new HubResponse(response, uri, headers);
            }

            using (response)
            {
                var next = RedirectTarget(response, uri, file);
                if (hop + 1 > MaxRedirects)
                {
                    throw new HubRequestFailure(ClipErrorKind.Download, $"more than {MaxRedirects} redirects for {file}, the last from {Display(uri)}", transient: false);
                }

                uri = next;
            }
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, TimeSpan timeout, string timeoutVariable, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HubRequestFailure(ClipErrorKind.Network, string.Create(CultureInfo.InvariantCulture,
                $"no answer from {Display(request.RequestUri!)} within {timeout.TotalSeconds:0.###} s ({timeoutVariable})"), transient: true, null, ex);
        }
        catch (HttpRequestException ex)
        {
            // A certificate the system does not trust will not become trusted by asking again.
            bool transient = ex.InnerException is not AuthenticationException;
            throw new HubRequestFailure(ClipErrorKind.Network, $"cannot reach {Display(request.RequestUri!)} ({OneLine(ex.Message)})", transient, null, ex);
        }
    }

    private static Uri RedirectTarget(HttpResponseMessage response, Uri from, string file)
    {
        string? location = HubFileHeaders.Header(response, "Location");
        if (string.IsNullOrWhiteSpace(location))
        {
            throw new HubRequestFailure(ClipErrorKind.Download, $"{Display(from)} answered {(int)response.StatusCode} for {file} without saying where to go (no Location)", transient: false);
        }

        if (!Uri.TryCreate(from, location.Trim(), out var next))
        {
            throw new HubRequestFailure(ClipErrorKind.Download, $"{Display(from)} redirected {file} to an address that cannot be parsed ('{OneLine(location)}')", transient: false);
        }

        if (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp)
        {
            throw new HubRequestFailure(ClipErrorKind.Download,
                $"{Display(from)} redirected {file} to {Display(next)}; only http and https redirects are followed", transient: false);
        }

        return next;
    }

    /// <summary>An HTTP error as a failure: transient for 408, 429 and 5xx (with the server's Retry-After), with the hub's X-Error-Code explained.</summary>
    private HubRequestFailure StatusFailure(HubResponse response, string repository, string revision, string file)
    {
        int status = (int)response.Message.StatusCode;
        string? errorCode = HubFileHeaders.Header(response.Message, "X-Error-Code");
        string? errorMessage = HubFileHeaders.Header(response.Message, "X-Error-Message");
        bool atHub = IsSameOrigin(response.Uri, _endpoint);
        string explanation = (errorCode, status) switch
        {
            ("GatedRepo", _) => HasToken
                ? $"{repository} is gated and the token has no access to it: accept its conditions on the hub with the token's account"
                : $"{repository} is gated: accept its conditions on the hub, then set HF_TOKEN (or log in with 'huggingface-cli login')",
            ("RepoNotFound", _) => HasToken
                ? $"repository {repository} does not exist, or the token cannot read it"
                : $"repository {repository} does not exist, or it is private: set HF_TOKEN to a token that can read it",
            ("RevisionNotFound", _) => $"revision '{revision}' does not exist in {repository}",
            ("EntryNotFound", _) => $"{file} does not exist in {repository} at revision '{revision}'",
            (_, 401) when atHub => HasToken
                ? "the token (HF_TOKEN or the token file) was rejected: check that it is valid"
                : $"{repository} needs a token: set HF_TOKEN (or log in with 'huggingface-cli login')",
            (_, 403) when atHub => HasToken
                ? $"the token has no access to {file} of {repository}"
                : $"access to {file} of {repository} is denied; if the repository is gated or private, set HF_TOKEN",
            (_, 404) => $"{file} not found ({repository} at revision '{revision}')",
            (_, 429) => "too many requests",
            _ => $"{file} could not be fetched ({OneLine(response.Message.ReasonPhrase ?? response.Message.StatusCode.ToString())})",
        };
        if (errorMessage is not null && errorCode is null)
        {
            explanation += $" (the server says: {OneLine(errorMessage)})";
        }

        bool transient = status is 408 or 429 or 500 or 502 or 503 or 504;
        string code = errorCode is null ? "" : " " + OneLine(errorCode);
        return new HubRequestFailure(transient ? ClipErrorKind.Network : ClipErrorKind.Download,
            string.Create(CultureInfo.InvariantCulture, $"HTTP {status}{code} from {Display(response.Uri)}: {explanation}"), transient, RetryAfter(response.Message));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
