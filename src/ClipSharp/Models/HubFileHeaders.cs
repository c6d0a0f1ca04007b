namespace ClipSharp.Models;

/// <summary>
/// What the responses of one request chain said about a file, each value from the first hop that sent it:
/// <c>X-Linked-Etag</c> and <c>X-Linked-Size</c> (the LFS object behind a redirect), <c>X-Repo-Commit</c>, <c>ETag</c>.
/// </summary>
internal sealed class HubFileHeaders
{
    public string? LinkedEtag { get; private set; }

    public string? LinkedSize { get; private set; }

    public string? RepoCommit { get; private set; }

    public string? Etag { get; private set; }

    public void Absorb(HttpResponseMessage response)
    {
        LinkedEtag ??= Header(response, "X-Linked-Etag");
        LinkedSize ??= Header(response, "X-Linked-Size");
        RepoCommit ??= Header(response, "X-Repo-Commit");
        Etag ??= Header(response, "ETag");
    }

    public static string? Header(HttpResponseMessage response, string name)
        => response.Headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault()
            : response.Content.Headers.NonValidated.TryGetValues(name, out var content) ? content.FirstOrDefault() : null;

    /// <summary>
    /// An ETag as a checksum: <c>W/</c> and quotes removed, lower case; empty when it is not hexadecimal (huggingface_hub's
    /// <c>_normalize_etag</c>, plus the check that it is a checksum at all).
    /// </summary>
    public static string NormalizeEtag(string? etag)
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
        return FileVerifier.IsKnownHash(e) ? e : string.Empty;
    }
}
