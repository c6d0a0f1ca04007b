using System.Runtime.InteropServices;

namespace ClipSharp;

/// <summary>
/// Gives memory the C heap holds but no longer uses back to the operating system. glibc keeps freed blocks in its
/// arenas, so after a large native workload (an ONNX Runtime session that optimised and packed a whole model) the
/// process's resident size stays at its peak unless the heap is trimmed.
/// </summary>
internal static partial class NativeHeap
{
    private static bool s_unavailable;

    /// <summary>Trims the C heap on Linux with glibc; does nothing elsewhere.</summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux() || s_unavailable)
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // musl (Alpine) has no malloc_trim: nothing to give back this way.
            s_unavailable = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
