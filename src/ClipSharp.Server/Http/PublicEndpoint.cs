namespace ClipSharp.Server.Http;

/// <summary>Endpoint metadata: answered without the API key (health checks and the web page).</summary>
internal sealed class PublicEndpoint
{
    public static readonly PublicEndpoint Instance = new();

    private PublicEndpoint()
    {
    }
}
