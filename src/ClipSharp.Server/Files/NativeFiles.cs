using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ClipSharp.Server.Files;

/// <summary>
/// What .NET does not offer for serving files safely: opening without blocking on a FIFO or device, and the real
/// path (every symbolic link resolved) of an opened file and of a folder. Linux reads the real path of a handle
/// from <c>/proc/self/fd</c>; macOS resolves the path first and opens it with <c>O_NOFOLLOW_ANY</c>, so a link
/// swapped in between makes the open fail; Windows asks the handle (<c>GetFinalPathNameByHandle</c>).
/// </summary>
internal static partial class NativeFiles
{
    private const int LinuxReadOnlyNoBlock = 0x800 /* O_NONBLOCK */ | 0x80000 /* O_CLOEXEC */ | 0x100 /* O_NOCTTY */;
    private const int MacReadOnlyNoBlock = 0x4 /* O_NONBLOCK */ | 0x1000000 /* O_CLOEXEC */ | 0x20000 /* O_NOCTTY */;
    private const int MacNoFollowAny = 0x20000000;

    /// <summary>True where <see cref="TryOpen"/> and <see cref="RealDirectory"/> work: Linux, macOS, Windows.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsWindows();

    /// <summary>Whether real paths compare ignoring case (the default file systems of macOS and Windows).</summary>
    public static StringComparison PathComparison
        => OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    /// <summary>
    /// Opens <paramref name="path"/> for reading and returns the handle with the real path of what was opened; null
    /// when it does not exist, cannot be opened, or its real path cannot be known. Never blocks on a FIFO.
    /// </summary>
    public static (SafeFileHandle Handle, string RealPath)? TryOpen(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var handle = OpenUnix(path, LinuxReadOnlyNoBlock);
            if (handle is null)
            {
                return null;
            }

            // The kernel's name of the open file: a link swapped in after the open cannot change it.
            string? real = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
            if (real is null || !real.StartsWith('/') || real.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                handle.Dispose();
                return null;
            }

            return (handle, real);
        }

        if (OperatingSystem.IsMacOS())
        {
            // Resolve first, then open the resolved path refusing any link on the way: if a folder on it was
            // swapped for a link in between, the open fails instead of reaching somewhere else.
            string? real = RealPathUnix(path);
            var handle = real is null ? null : OpenUnix(real, MacReadOnlyNoBlock | MacNoFollowAny);
            return handle is null ? null : (handle, real!);
        }

        if (OperatingSystem.IsWindows())
        {
            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return null;
            }

            string? real = FinalPathWindows(handle);
            if (real is null)
            {
                handle.Dispose();
                return null;
            }

            return (handle, real);
        }

        throw new PlatformNotSupportedException("Serving indexed files needs Linux, macOS or Windows.");
    }

    /// <summary>The real path of a folder (every link resolved), or null when it does not exist.</summary>
    public static string? RealDirectory(string path)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            return RealPathUnix(path);
        }

        if (OperatingSystem.IsWindows())
        {
            using var handle = CreateFileW(path, 0, 7 /* share read, write, delete */, 0, 3 /* OPEN_EXISTING */, 0x02000000 /* FILE_FLAG_BACKUP_SEMANTICS: folders */, 0);
            return handle.IsInvalid ? null : FinalPathWindows(handle);
        }

        throw new PlatformNotSupportedException("Serving indexed files needs Linux, macOS or Windows.");
    }

    private static SafeFileHandle? OpenUnix(string path, int flags)
    {
        int fd = Open(path, flags);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    private static string? RealPathUnix(string path)
    {
        nint resolved = RealPath(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    private static string? FinalPathWindows(SafeFileHandle handle)
    {
        char[] buffer = new char[1024];
        while (true)
        {
            int length = GetFinalPathNameByHandleW(handle, buffer, buffer.Length, 0);
            if (length == 0)
            {
                return null;
            }

            if (length < buffer.Length)
            {
                string path = new(buffer, 0, length);
                return path.StartsWith(@"\\?\UNC\", StringComparison.Ordinal) ? @"\\" + path[8..]
                    : path.StartsWith(@"\\?\", StringComparison.Ordinal) ? path[4..]
                    : path;
            }

            buffer = new char[length + 1];
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    [LibraryImport("kernel32.dll", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    private static partial SafeFileHandle CreateFileW(string name, uint access, uint share, nint security, uint disposition, uint flags, nint template);

    [LibraryImport("kernel32.dll", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    private static partial int GetFinalPathNameByHandleW(SafeFileHandle handle, [Out] char[] buffer, int length, uint flags);
}
