using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ClipSharp.Models;

/// <summary>
/// Downloads one file into an <c>.incomplete</c> file named after its expected checksum, resuming what is already
/// there with a <c>Range</c> request, and again after a dropped connection or a stall, with the retry policy's
/// backoff (a download that made progress starts its retry count again). It refuses more bytes than announced and a
/// resume at the wrong offset, discarding what it wrote. It does not verify: the caller hashes the finished file.
/// </summary>
internal sealed class FileDownloader(HubClient client, RetryPolicy retry, ModelHubOptions options)
{
    private const int BufferSize = 1 << 20;

    /// <summary>Where the download came from and what it is, for the request and for messages.</summary>
    /// <param name="Repository">The hub repository.</param>
    /// <param name="Revision">The revision (a pinned commit) in the resolve address.</param>
    /// <param name="File">The expected file.</param>
    public sealed record Request(string Repository, string Revision, RemoteFile File);

    /// <summary>
    /// Completes <paramref name="incomplete"/> and returns the address the last bytes came from (the CDN's).
    /// <paramref name="onBytes"/> receives byte counts as they arrive (negative when a partial file is dropped).
    /// </summary>
    public async Task<Uri> DownloadAsync(Request request, string incomplete, Action<long> onBytes, Action<string>? notice, CancellationToken cancellationToken)
    {
        var resolve = client.ResolveUri(request.Repository, request.Revision, request.File.Path);
        for (int attempt = 0; ; attempt++)
        {
            long before = Length(incomplete);
            try
            {
                return await DownloadOnceAsync(request, resolve, incomplete, onBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (HubRequestFailure failure) when (failure.Transient)
            {
                if (Length(incomplete) > before)
                {
                    attempt = 0; // bytes arrived: this is a new run of bad luck, not the same one
                }

                await retry.WaitAsync(failure, attempt, notice, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Uri> DownloadOnceAsync(Request request, Uri resolve, string incomplete, Action<long> onBytes, CancellationToken cancellationToken)
    {
        var file = request.File;
        long have = Length(incomplete);
        if (file.Size is long expected && have > expected)
        {
            Discard(incomplete, onBytes);
            have = 0;
        }

        if (file.Size == 0 || (have > 0 && have == file.Size))
        {
            // Nothing left to fetch (an empty file has nothing to fetch at all); the caller verifies the bytes.
            await using (new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
            }

            return resolve;
        }

        using var response = await client.OpenDownloadAsync(resolve, have, request.Repository, request.Revision, file.Path, cancellationToken).ConfigureAwait(false);
        var uri = response.Uri;
        if (response.Message.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file is not a prefix of what the server has: start over.
            Discard(incomplete, onBytes);
            throw new HubRequestFailure(ClipErrorKind.Download,
                string.Create(CultureInfo.InvariantCulture, $"{HubClient.Display(uri)} refused to resume {file.Path} at byte {have} (HTTP 416); the partial download was discarded"), transient: true);
        }

        bool resumed = response.Message.StatusCode == HttpStatusCode.PartialContent;
        var headers = response.Message.Content.Headers;
        if (resumed && (headers.ContentRange?.From != have || have == 0))
        {
            Discard(incomplete, onBytes);
            throw new HubRequestFailure(ClipErrorKind.Download, $"{HubClient.Display(uri)} resumed {file.Path} at the wrong offset; the partial download was discarded", transient: true);
        }

        if (!resumed && have > 0)
        {
            onBytes(-have); // the server ignored the range: the file starts over
            have = 0;
        }

        // The length the bytes must reach: the hub's size, else what this response announces (not when compressed).
        long? announced = headers.ContentEncoding.Count > 0 ? null
            : resumed ? headers.ContentRange?.Length
            : headers.ContentLength;
        if (file.Size is long size && announced is long total && total != size)
        {
            Discard(incomplete, onBytes);
            throw new HubRequestFailure(ClipErrorKind.Download, string.Create(CultureInfo.InvariantCulture,
                $"{HubClient.Display(uri)} announces {total} bytes for {file.Path}, the hub {size}; refused"), transient: false);
        }

        long? limit = file.Size ?? announced;
        long written = have;
        bool oversized = false;
        try
        {
            await using (var output = new FileStream(incomplete, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                await using var input = await response.Message.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                byte[] buffer = new byte[BufferSize];
                while (true)
                {
                    int read = await ReadAsync(input, buffer, uri, file.Path, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    if (limit is long max && written + read > max)
                    {
                        oversized = true;
                        break;
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    written += read;
                    onBytes(read);
                }
            }
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            throw new ClipSharpException(ClipErrorKind.DiskFull,
                $"disk full while writing {file.Path}; free some space or set CLIPSHARP_HOME to another disk, then pull again to resume", Path.GetDirectoryName(incomplete), ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new HubRequestFailure(ClipErrorKind.Network, $"the connection to {HubClient.Display(uri)} broke while downloading {file.Path} ({HubClient.OneLine(ex.Message)})", transient: true, null, ex);
        }

        if (oversized)
        {
            Discard(incomplete, onBytes);
            throw new HubRequestFailure(ClipErrorKind.Download, string.Create(CultureInfo.InvariantCulture,
                $"{HubClient.Display(uri)} sent more than the {limit} bytes announced for {file.Path}; the download was discarded"), transient: false);
        }

        if (limit is long expectedLength && written != expectedLength)
        {
            throw new HubRequestFailure(ClipErrorKind.Network, string.Create(CultureInfo.InvariantCulture,
                $"the connection to {HubClient.Display(uri)} closed after {written} of {expectedLength} bytes of {file.Path}"), transient: true);
        }

        return uri;
    }

    /// <summary>One read with the download timeout: a body that stops arriving is a transient failure, not a hang.</summary>
    private async Task<int> ReadAsync(Stream input, byte[] buffer, Uri uri, string path, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(options.DownloadTimeout);
        try
        {
            return await input.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HubRequestFailure(ClipErrorKind.Network, string.Create(CultureInfo.InvariantCulture,
                $"the download of {path} from {HubClient.Display(uri)} stalled for {options.DownloadTimeout.TotalSeconds:0.###} s (HF_HUB_DOWNLOAD_TIMEOUT)"), transient: true, null, ex);
        }
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static void Discard(string incomplete, Action<long> onBytes)
    {
        long length = Length(incomplete);
        File.Delete(incomplete);
        onBytes(-length);
    }

    private static bool IsDiskFull(IOException ex)
        => (ex.HResult & 0xFFFF) is 28 or 112 || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
}
