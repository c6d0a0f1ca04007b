namespace ClipSharp;

/// <summary>What went wrong, in a form callers can branch on.</summary>
public enum ClipErrorKind
{
    /// <summary>Unclassified failure.</summary>
    Unknown = 0,

    /// <summary>The input (file, stream, argument) is not what the operation needs.</summary>
    InvalidInput,

    /// <summary>The data is a recognised image format that this build cannot decode.</summary>
    UnsupportedFormat,

    /// <summary>The data is not an image in any format we recognise, or is empty.</summary>
    UnknownFormat,

    /// <summary>The image data ends early or is damaged.</summary>
    CorruptImage,

    /// <summary>The image header claims more pixels than the configured limit allows.</summary>
    ImageTooLarge,

    /// <summary>A model folder or file is missing, incomplete or of an unknown layout.</summary>
    InvalidModel,

    /// <summary>A tokenizer vocabulary file is missing or malformed.</summary>
    InvalidTokenizer,

    /// <summary>ONNX Runtime failed while running a model.</summary>
    Inference,

    /// <summary>A file could not be read or written.</summary>
    Io,

    /// <summary>The model hub could not be reached.</summary>
    Network,

    /// <summary>The hub refused or could not serve a download (401, 403, 404, other HTTP errors).</summary>
    Download,

    /// <summary>A downloaded file did not match the checksum the hub published for it.</summary>
    ChecksumMismatch,

    /// <summary>There is not enough disk space for a download.</summary>
    DiskFull,

    /// <summary>A catalog model is not in the local cache and the network may not be used.</summary>
    NotCached,

    /// <summary>
    /// The work was refused because too much is already waiting for a shared resource (the decode memory budget's
    /// queue is full); trying again later can succeed.
    /// </summary>
    Overloaded,
}

/// <summary>
/// The single exception type thrown by ClipSharp for expected failures: bad input, bad model folders,
/// unsupported images. <see cref="Input"/> names the input (file path, model folder) when one is known.
/// </summary>
public sealed class ClipSharpException : Exception
{
    /// <summary>Creates an exception.</summary>
    public ClipSharpException(ClipErrorKind kind, string message, string? input = null, Exception? innerException = null)
        : base(input is null ? message : $"{input}: {message}", innerException)
    {
        Kind = kind;
        Input = input;
        Detail = message;
    }

    /// <summary>Creates an exception of kind <see cref="ClipErrorKind.Unknown"/>.</summary>
    public ClipSharpException() : this(ClipErrorKind.Unknown, "ClipSharp error") { }

    /// <summary>Creates an exception of kind <see cref="ClipErrorKind.Unknown"/>.</summary>
    public ClipSharpException(string message) : this(ClipErrorKind.Unknown, message) { }

    /// <summary>Creates an exception of kind <see cref="ClipErrorKind.Unknown"/>.</summary>
    public ClipSharpException(string message, Exception innerException) : this(ClipErrorKind.Unknown, message, null, innerException) { }

    /// <summary>The category of failure.</summary>
    public ClipErrorKind Kind { get; }

    /// <summary>The input the failure is about (a file path, a model folder), or null.</summary>
    public string? Input { get; }

    /// <summary>The message without the input prefix.</summary>
    public string Detail { get; }

    /// <summary>Returns a copy of this exception that names <paramref name="input"/>, unless it already names one.</summary>
    public ClipSharpException WithInput(string input)
        => Input is null ? new ClipSharpException(Kind, Detail, input, InnerException ?? this) : this;
}
