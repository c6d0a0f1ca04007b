using System.Diagnostics;
using System.Globalization;

namespace ClipSharp.Models;

/// <summary>
/// An exclusive lock on one model of the cache, held by a pull or a removal, between threads and processes alike
/// (an open lock file with <see cref="FileShare.None"/>: an advisory lock the operating system releases when the
/// process dies, so no lock outlives its holder). The holder writes its process id beside the lock so that a waiter
/// can say whom it waits for; a waiter says so once, honours cancellation and gives up after
/// <see cref="ModelHubOptions.LockTimeout"/>. A cache that cannot be written at all (read-only file system, no
/// permission) is an immediate error naming the folder, not a wait.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private readonly FileStream _stream;

    private CacheLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock at <paramref name="path"/> for <paramref name="operation"/> (<c>pull</c>, <c>removal</c>) of <paramref name="label"/>.</summary>
    public static async Task<CacheLock> AcquireAsync(string path, string label, string operation, string cacheFolder, ModelHubOptions options,
        Action<string>? notice, CancellationToken cancellationToken)
    {
        var open = options.OpenLockFile ?? OpenExclusive;
        var waited = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FileStream stream;
            try
            {
                stream = open(path);
            }
            catch (Exception ex) when (IsNotWritable(ex))
            {
                throw NotWritable(cacheFolder, ex);
            }
            catch (IOException ex) when (IsHeldElsewhere(ex))
            {
                string holder = ReadHolder(path);
                if (!told)
                {
                    notice?.Invoke($"waiting for another {holder}");
                    told = true;
                }

                if (waited.Elapsed >= options.LockTimeout)
                {
                    throw new ClipSharpException(ClipErrorKind.Io, string.Create(CultureInfo.InvariantCulture,
                        $"gave up after {options.LockTimeout.TotalSeconds:0.#} s waiting for another {holder} (CLIPSHARP_LOCK_TIMEOUT); run the command again once it has finished"), cacheFolder, ex);
                }

                await Task.Delay(options.LockPollInterval, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (IOException ex)
            {
                throw new ClipSharpException(ClipErrorKind.Io, $"cannot lock the model cache ({HubClient.OneLine(ex.Message)})", cacheFolder, ex);
            }

            WriteHolder(path, string.Create(CultureInfo.InvariantCulture, $"{operation} of {label} (pid {Environment.ProcessId})"));
            return new CacheLock(stream);
        }
    }

    /// <summary>True for the errors of a folder that cannot be written: read-only file system, permission denied.</summary>
    public static bool IsNotWritable(Exception ex) => ex switch
    {
        UnauthorizedAccessException => true,
        IOException io => OperatingSystem.IsWindows() ? (io.HResult & 0xFFFF) == 19 : io.HResult == 30, // ERROR_WRITE_PROTECT, EROFS
        _ => false,
    };

    /// <summary>The one-line error for a cache folder that cannot be written.</summary>
    public static ClipSharpException NotWritable(string folder, Exception ex)
    {
        string reason = ex is UnauthorizedAccessException ? "permission denied" : "read-only file system";
        return new ClipSharpException(ClipErrorKind.Io,
            $"the model cache cannot be written ({reason}); set CLIPSHARP_HOME to a writable folder, or use --offline with models already in it", folder, ex);
    }

    public void Dispose() => _stream.Dispose();

    private static FileStream OpenExclusive(string path) => new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);

    /// <summary>The lock is held by someone else: EWOULDBLOCK from flock (Linux 11, macOS 35), a sharing or lock violation on Windows.</summary>
    private static bool IsHeldElsewhere(IOException ex)
        => OperatingSystem.IsWindows() ? (ex.HResult & 0xFFFF) is 32 or 33 : ex.HResult is 11 or 35;

    private static string HolderPath(string lockPath) => Path.ChangeExtension(lockPath, ".holder");

    private static void WriteHolder(string lockPath, string text)
    {
        try
        {
            File.WriteAllText(HolderPath(lockPath), text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a courtesy for waiters.
        }
    }

    private static string ReadHolder(string lockPath)
    {
        try
        {
            string text = File.ReadAllText(HolderPath(lockPath)).Trim();
            if (text.Length > 0 && text.Length < 300)
            {
                return HubClient.OneLine(text);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return "process using this model";
    }
}
