namespace ClipSharp.Server.Inference;

/// <summary>The inference queue is full: the request is refused (503 + Retry-After).</summary>
internal sealed class QueueFullException : Exception
{
    public QueueFullException(string message) : base(message) { }

    public QueueFullException() { }

    public QueueFullException(string message, Exception innerException) : base(message, innerException) { }
}
