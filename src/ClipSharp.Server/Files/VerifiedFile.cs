using ClipSharp.Index;
using Microsoft.Win32.SafeHandles;

namespace ClipSharp.Server.Files;

/// <summary>
/// An indexed file opened for a client after <see cref="IndexedFiles"/> checked it on the open handle: under the
/// indexed folders, the size and modification time of the record, an image. Reads go through this handle only.
/// </summary>
internal sealed class VerifiedFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    public VerifiedFile(IndexedFile record, SafeFileHandle handle, string contentType)
    {
        Record = record;
        _handle = handle;
        ContentType = contentType;
    }

    public IndexedFile Record { get; }

    /// <summary>The MIME type sniffed from the first bytes.</summary>
    public string ContentType { get; }

    /// <summary>The size in bytes (equal to the record's).</summary>
    public long Length => Record.Size;

    /// <summary>The modification time (equal to the record's), UTC.</summary>
    public DateTime ModifiedUtc => new(Record.ModifiedUtc.Ticks, DateTimeKind.Utc);

    /// <summary>A validator that changes whenever the file or its record does.</summary>
    public string Version => FormattableString.Invariant($"{Record.Id}-{Record.ModifiedUtc.Ticks:x}-{Record.Size:x}");

    /// <summary>A stream over the open handle; disposing it closes the file (this object's <see cref="Dispose"/> then does nothing).</summary>
    public Stream OpenStream() => new FileStream(_handle, FileAccess.Read, bufferSize: 0);

    public void Dispose() => _handle.Dispose();
}
