using ClipSharp.Imaging;
using ClipSharp.Index;
using ClipSharp.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Win32.SafeHandles;

namespace ClipSharp.Server.Files;

/// <summary>
/// The one way the server reads an indexed path for a client (originals, thumbnails, "more like this", imageId in
/// classify and caption ranking): a file is used only while it is still the one that was indexed. It is opened
/// once, without blocking on FIFOs or devices, and every check runs on that open handle, so nothing can be swapped
/// in between: its real path (links resolved) must lie under the indexed folders, its size and modification time
/// must equal the record's (else the record is marked for re-indexing), and its first bytes must be an image.
/// Anything else is a 404 that says why without naming a path.
/// </summary>
internal sealed class IndexedFiles : IDisposable
{
    private readonly IndexedRoots _roots = new();
    private readonly Action<string>? _log;

    public IndexedFiles(Action<string>? log) => _log = log;

    /// <summary>Opens and checks the file of <paramref name="id"/>; the caller disposes the result.</summary>
    public async Task<VerifiedFile> OpenAsync(IPhotoIndex search, long id, CancellationToken cancellationToken)
    {
        var record = await search.Store.GetByIdAsync(id, withEmbedding: false, cancellationToken).ConfigureAwait(false)
            ?? throw ApiProblemException.NotFound(FormattableString.Invariant($"No indexed image has id {id}."));
        if (!Path.IsPathFullyQualified(record.Path) || record.Size <= 0)
        {
            throw Gone(id, "has no usable path");
        }

        if (!NativeFiles.IsSupported)
        {
            throw new ApiProblemException(StatusCodes.Status501NotImplemented, "not-implemented", "Serving indexed files needs Linux, macOS or Windows.");
        }

        var opened = await Task.Run(() => NativeFiles.TryOpen(record.Path), cancellationToken).ConfigureAwait(false)
            ?? throw Gone(id, "is no longer on disk");
        var (handle, realPath) = opened;
        try
        {
            await CheckAsync(search, record, handle, realPath, cancellationToken).ConfigureAwait(false);
            string type = await Task.Run(() => Sniff(handle), cancellationToken).ConfigureAwait(false)
                ?? throw Gone(id, "is no longer an image");
            return new VerifiedFile(record, handle, type);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Checks the file of <paramref name="id"/> as <see cref="OpenAsync"/> does, for reads of its stored embedding.</summary>
    public async Task VerifyAsync(IPhotoIndex search, long id, CancellationToken cancellationToken)
    {
        using var file = await OpenAsync(search, id, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _roots.Dispose();

    private async Task CheckAsync(IPhotoIndex search, IndexedFile record, SafeFileHandle handle, string realPath, CancellationToken cancellationToken)
    {
        long length;
        DateTime modified;
        try
        {
            if (File.GetAttributes(handle).HasFlag(FileAttributes.Directory))
            {
                throw Gone(record.Id, "is no longer a file");
            }

            // Throws for FIFOs and sockets (not seekable); devices report no size and fail the comparison below.
            length = RandomAccess.GetLength(handle);
            modified = File.GetLastWriteTimeUtc(handle);
        }
        catch (Exception ex) when (ex is NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw Gone(record.Id, "is no longer a file");
        }

        if (!await _roots.ContainsAsync(search, realPath, cancellationToken).ConfigureAwait(false))
        {
            _log?.Invoke(FormattableString.Invariant($"warning: indexed image {record.Id} ({record.Path}) resolves outside the indexed folders, to {realPath}; not served"));
            throw Gone(record.Id, "now leads outside the indexed folders");
        }

        if (length != record.Size || modified.Ticks != record.ModifiedUtc.Ticks)
        {
            await MarkChangedAsync(search, record, cancellationToken).ConfigureAwait(false);
            throw Gone(record.Id, "has changed on disk since it was indexed; it is marked for re-indexing");
        }
    }

    private async Task MarkChangedAsync(IPhotoIndex search, IndexedFile record, CancellationToken cancellationToken)
    {
        try
        {
            if (await search.Store.MarkStaleAsync(record.Id, cancellationToken).ConfigureAwait(false))
            {
                _log?.Invoke(FormattableString.Invariant($"indexed image {record.Id} ({record.Path}) changed on disk: marked for re-indexing"));
            }
        }
#pragma warning disable CA1031 // A read-only or busy index must not turn a 404 into a 500; the next indexing run finds the change anyway.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            _log?.Invoke(FormattableString.Invariant($"warning: indexed image {record.Id} changed on disk but could not be marked for re-indexing: {ex.Message}"));
        }
    }

    private static string? Sniff(SafeFileHandle handle)
    {
        // 64 bytes: a generic HEIF brand needs its compatible brands to tell AVIF from HEIC.
        Span<byte> header = stackalloc byte[64];
        int read;
        try
        {
            read = RandomAccess.Read(handle, header, fileOffset: 0);
        }
        catch (IOException)
        {
            return null;
        }

        return ImageProbe.MimeType(ImageProbe.SniffFormat(header[..read]));
    }

    private static ApiProblemException Gone(long id, string why)
        => ApiProblemException.NotFound(FormattableString.Invariant($"Indexed image {id} {why}."));
}
