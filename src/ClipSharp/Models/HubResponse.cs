namespace ClipSharp.Models;

/// <summary>
/// The last response of a request to the hub after its redirects, with the address that gave it and what the hops on
/// the way said about the file (the hub puts the LFS checksum and size on its redirect to the CDN).
/// </summary>
internal sealed class HubResponse(HttpResponseMessage response, Uri uri, HubFileHeaders headers) : IDisposable
{
    public HttpResponseMessage Message { get; } = response;

    /// <summary>The address that gave <see cref="Message"/> (the CDN's, after a redirect).</summary>
    public Uri Uri { get; } = uri;

    public HubFileHeaders Headers { get; } = headers;

    public void Dispose() => Message.Dispose();
}
