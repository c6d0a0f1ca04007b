using Microsoft.AspNetCore.Http;

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

    /// <summary>A 400 for a request over one of the server's limits; <paramref name="detail"/> names the limit.</summary>
    public static ApiProblemException OverLimit(string detail) => new(StatusCodes.Status400BadRequest, "limit-exceeded", detail);

    public static ApiProblemException NotFound(string detail) => new(StatusCodes.Status404NotFound, "not-found", detail);
}
