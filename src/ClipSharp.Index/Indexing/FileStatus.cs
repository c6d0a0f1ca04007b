using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ClipSharp.Index;

/// <summary>
/// What a path points to (stat, not lstat: symbolic links are followed): its kind, size, last write time and, on
/// Linux, the device and inode that identify the file whatever path reaches it. Elsewhere the identity is the
/// resolved path and every existing non-folder counts as regular.
/// </summary>
internal readonly record struct FileStatus(FileKind Kind, long Size, DateTime ModifiedUtc, ulong Device, ulong Inode, uint Links)
{
    // struct statx (linux/stat.h) has the same layout on every architecture: 256 bytes; the offsets used below.
    private const int StatxSize = 256;
    private const int OffsetNlink = 16;
    private const int OffsetMode = 28;
    private const int OffsetIno = 32;
    private const int OffsetSize = 40;
    private const int OffsetMtime = 112;
    private const int OffsetDevMajor = 136;
    private const int OffsetDevMinor = 140;
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ModeTypeMask = 0xF000;
    private const int ModeRegular = 0x8000;
    private const int ModeDirectory = 0x4000;

    private static readonly bool s_statx = OperatingSystem.IsLinux();

    /// <summary>True when the identity is a device and inode (two paths to one file are recognised as one).</summary>
    public static bool HasInodes => s_statx;

    /// <summary>The status of what <paramref name="path"/> points to; <see cref="FileKind.Missing"/> when nothing is there.</summary>
    public static FileStatus Of(string path)
    {
        if (s_statx)
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            if (Statx(AtFdCwd, path, 0, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return default;
            }

            int mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[OffsetMode..]) & ModeTypeMask;
            var kind = mode switch { ModeRegular => FileKind.Regular, ModeDirectory => FileKind.Directory, _ => FileKind.Special };
            long seconds = BinaryPrimitives.ReadInt64LittleEndian(buffer[OffsetMtime..]);
            uint nanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(buffer[(OffsetMtime + 8)..]);
            // The same rounding as FileInfo.LastWriteTimeUtc (ticks of 100 ns), so records written before compare equal.
            var modified = DateTime.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100));
            ulong device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[OffsetDevMajor..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[OffsetDevMinor..]);
            return new FileStatus(kind, BinaryPrimitives.ReadInt64LittleEndian(buffer[OffsetSize..]), modified, device,
                BinaryPrimitives.ReadUInt64LittleEndian(buffer[OffsetIno..]), BinaryPrimitives.ReadUInt32LittleEndian(buffer[OffsetNlink..]));
        }

        try
        {
            FileSystemInfo info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            }

            if (Directory.Exists(info.FullName))
            {
                return new FileStatus(FileKind.Directory, 0, Directory.GetLastWriteTimeUtc(info.FullName), 0, 0, 1);
            }

            var file = new FileInfo(info.FullName);
            return file.Exists ? new FileStatus(FileKind.Regular, file.Length, file.LastWriteTimeUtc, 0, 0, 1) : default;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>
    /// The path with every symbolic link resolved (as realpath(3)), or null when it does not resolve. On Windows, the
    /// final target of the path.
    /// </summary>
    public static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                var info = new FileInfo(path);
                return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        nint resolved = NativeRealPath(path, 0);
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
            NativeFree(resolved);
        }
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA2101 // a plain byte buffer and a UTF-8 path need no generated marshalling
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte buffer);

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern nint NativeRealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, nint resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void NativeFree(nint pointer);
#pragma warning restore SYSLIB1054, CA2101
}
