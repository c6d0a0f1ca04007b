using System.Text.Json;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace ClipSharp.Server.Http;

/// <summary>Writes problem documents (<c>application/problem+json</c>) and maps failures to them.</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static string TypeFor(string code) => "urn:clipsharp:problem:" + code;

    /// <summary>The stable code of a status when nothing more specific is known.</summary>
    public static string CodeFor(int status) => status switch
    {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        406 => "not-acceptable",
        408 => "request-timeout",
        409 => "conflict",
        411 => "length-required",
        412 => "precondition-failed",
        413 => "request-too-large",
        414 => "uri-too-long",
        415 => "unsupported-media-type",
        416 => "range-not-satisfiable",
        417 => "expectation-failed",
        422 => "unprocessable",
        429 => "too-many-requests",
        431 => "headers-too-large",
        500 => "internal-error",
        501 => "not-implemented",
        503 => "unavailable",
        504 => "timeout",
        _ => FormattableString.Invariant($"http-{status}"),
    };

    /// <summary>Writes a problem; <paramref name="clear"/> first drops whatever headers the response already had.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string detail, TimeSpan? retryAfter = null, bool clear = true)
    {
        var response = context.Response;
        if (clear)
        {
            response.Clear();
        }

        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var problem = new ProblemDetails
        {
            Type = TypeFor(code),
            Title = ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } title ? title : FormattableString.Invariant($"HTTP {status}"),
            Status = status,
            Detail = detail,
            Instance = context.Request.Path,
        };
        problem.Extensions["code"] = code;
        await JsonSerializer.SerializeAsync(response.Body, problem, s_json, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Maps an exception to (status, code, detail, retry-after); null when it is not an expected failure.</summary>
    public static (int Status, string Code, string Detail, TimeSpan? RetryAfter)? Map(Exception ex) => ex switch
    {
        ApiProblemException p => (p.Status, p.Code, p.Message, p.RetryAfter),
        QueueFullException q => (StatusCodes.Status503ServiceUnavailable, "overloaded", q.Message, TimeSpan.FromSeconds(1)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
            => (413, "request-too-large", "The request body is larger than the server accepts.", null),
        BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout }
            => (408, "request-timeout", "The request body arrived too slowly.", null),
        BadHttpRequestException { InnerException: JsonException j } => (400, "malformed-json", JsonErrors.Describe(j, null), null),
        BadHttpRequestException b when b.StatusCode is >= 400 and < 500 => (b.StatusCode, CodeFor(b.StatusCode), b.Message, null),
        BadHttpRequestException b => (400, "bad-request", b.Message, null),
        InvalidDataException d => (400, "bad-request", d.Message, null),
        ClipSharpException c => MapClip(c),
        JsonException j => (400, "malformed-json", JsonErrors.Describe(j, null), null),
        _ => null,
    };

    private static (int, string, string, TimeSpan?) MapClip(ClipSharpException c) => c.Kind switch
    {
        ClipErrorKind.ImageTooLarge => (413, "image-too-large", c.Message, null),
        ClipErrorKind.Overloaded => (503, "overloaded", c.Message, TimeSpan.FromSeconds(1)),
        ClipErrorKind.UnsupportedFormat => (415, "unsupported-image-format", c.Message, null),
        ClipErrorKind.UnknownFormat => (422, "not-an-image", c.Message, null),
        ClipErrorKind.CorruptImage => (422, "corrupt-image", c.Message, null),
        ClipErrorKind.InvalidInput => (422, "invalid-input", c.Message, null),
        _ => (500, "model-error", c.Message, null),
    };
}
