namespace ClipSharp.Models;

/// <summary>
/// A request to the hub or its CDN failed. <see cref="Transient"/> failures (no connection, a timeout, a dropped
/// connection, HTTP 408/429/5xx) may pass on a retry. It never leaves the downloader: once retries are spent it
/// becomes a <see cref="ClipSharpException"/> (<see cref="ToException"/>). The message is one line and names the URL
/// that failed.
/// </summary>
internal sealed class HubRequestFailure : Exception
{
    public HubRequestFailure(ClipErrorKind kind, string message, bool transient, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Transient = transient;
        RetryAfter = retryAfter;
    }

    public ClipErrorKind Kind { get; }

    public bool Transient { get; }

    /// <summary>The wait the server asked for (<c>Retry-After</c>), if it did.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The failure as the library reports it, about <paramref name="input"/> (the repository).</summary>
    public ClipSharpException ToException(string input) => new(Kind, Message, input, this);
}
