using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server.Http;

/// <summary>The web page: plain files embedded in the assembly, served from memory with ETags.</summary>
internal static class StaticFiles
{
    private const string Policy = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, (byte[] Data, string Type, EntityTagHeaderValue ETag)> s_files = Load();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext c) => Serve(c, "index.html")).ExcludeFromDescription().WithMetadata(PublicEndpoint.Instance);
        app.MapGet("/index.html", (HttpContext c) => Serve(c, "index.html")).ExcludeFromDescription().WithMetadata(PublicEndpoint.Instance);
        app.MapGet("/static/{name}", (HttpContext c, string name) => Serve(c, name)).ExcludeFromDescription().WithMetadata(PublicEndpoint.Instance);
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (!s_files.TryGetValue(name, out var file))
        {
            throw ApiProblemException.NotFound("No such file.");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";

        // The result evaluates conditional requests (RFC 9110: lists, weak comparison, *) and ranges.
        return Results.Bytes(file.Data, file.Type, entityTag: file.ETag, enableRangeProcessing: true);
    }

    private static FrozenDictionary<string, (byte[], string, EntityTagHeaderValue)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string, EntityTagHeaderValue)>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("wwwroot/", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] data = buffer.ToArray();
            string name = resource["wwwroot/".Length..];
            string type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".ico" => "image/x-icon",
                _ => "application/octet-stream",
            };
            var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(data))[..16] + "\"");
            files[name] = (data, type, etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
