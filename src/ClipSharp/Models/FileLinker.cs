using System.Runtime.InteropServices;

namespace ClipSharp.Models;

/// <summary>
/// Puts a second name on a file's content: a hard link where the file system allows it (the content is stored once;
/// removing either name leaves the other intact, and the linked file is an ordinary file to every tool), else a copy.
/// </summary>
internal static partial class FileLinker
{
    /// <summary>Makes <paramref name="destination"/> (which must not exist) hold the content of <paramref name="source"/>; true when linked, false when copied.</summary>
    public static async Task<bool> LinkOrCopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        // A symbolic link (Hugging Face snapshots) is followed: the hard link must name the content, not the link.
        string content = new FileInfo(source).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? source;
        if (TryHardLink(content, destination))
        {
            return true;
        }

        await using var input = new FileStream(content, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        await input.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private static bool TryHardLink(string existing, string link)
    {
        try
        {
            return OperatingSystem.IsWindows() ? CreateHardLinkW(link, existing, IntPtr.Zero) : HardLink(existing, link) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // no link(2) on this platform: copy
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int HardLink(string existing, string link);

    [LibraryImport("kernel32.dll", EntryPoint = "CreateHardLinkW", StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CreateHardLinkW(string link, string existing, IntPtr securityAttributes);
}
