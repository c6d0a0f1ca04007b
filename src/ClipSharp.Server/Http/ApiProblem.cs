using System.Text.Json;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Mvc;

namespace ClipSharp.Server.Http;

/// <summary>A failure the API answers with an RFC 9457 problem document.</summary>
internal sealed class ApiProblemException : Exception
{
    public ApiProblemException(int status, string code, string detail, TimeSpan? retryAfter = null)
        : base(detail)
    {
        Status = status;
        Code = code;
        RetryAfter = retryAfter;
    }

    public ApiProblemException() : this(500, "internal-error", "internal error") { }

    public ApiProblemException(string message) : this(500, "internal-error", message) { }

    public ApiProblemException(string message, Exception innerException) : base(message, innerException)
    {
        Status = 500;
        Code = "internal-error";
    }

    public int Status { get; }

    /// <summary>Short machine-readable code; the problem type is <c>urn:clipsharp:problem:CODE</c>.</summary>
    public string Code { get; }

    public TimeSpan? RetryAfter { get; }

    public static ApiProblemException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "bad-request", detail);

    public static ApiProblemException NotFound(string detail) => new(StatusCodes.Status404NotFound, "not-found", detail);
}

/// <summary>Writes problem documents (<c>application/problem+json</c>).</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static string TypeFor(string code) => "urn:clipsharp:problem:" + code;

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
            Title = ReasonPhrases.GetReasonPhrase(status),
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
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge
            => (413, "request-too-large", "The request body is larger than the server accepts.", null),
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status415UnsupportedMediaType => (415, "unsupported-media-type", b.Message, null),
        BadHttpRequestException b => (b.StatusCode is >= 400 and < 500 ? b.StatusCode : 400, "bad-request", Describe(b), null),
        InvalidDataException d => (400, "bad-request", d.Message, null),
        ClipSharpException c => MapClip(c),
        JsonException j => (400, "malformed-json", "The body is not valid JSON for this endpoint: " + j.Message, null),
        _ => null,
    };

    private static string Describe(BadHttpRequestException b)
        => b.InnerException is JsonException j ? "The body is not valid JSON for this endpoint: " + j.Message : b.Message;

    private static (int, string, string, TimeSpan?) MapClip(ClipSharpException c) => c.Kind switch
    {
        ClipErrorKind.ImageTooLarge => (413, "image-too-large", c.Message, null),
        ClipErrorKind.UnsupportedFormat => (415, "unsupported-image-format", c.Message, null),
        ClipErrorKind.UnknownFormat => (422, "not-an-image", c.Message, null),
        ClipErrorKind.CorruptImage => (422, "corrupt-image", c.Message, null),
        ClipErrorKind.InvalidInput => (422, "invalid-input", c.Message, null),
        _ => (500, "model-error", c.Message, null),
    };
}
