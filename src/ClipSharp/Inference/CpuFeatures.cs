using System.Globalization;
using System.Text;

namespace ClipSharp;

/// <summary>
/// The processor's instruction set as a stable string, part of the <see cref="OptimizedModelCache"/> key: an optimised
/// graph and its pre-packed weights are only valid on a processor with the same features.
/// </summary>
internal static class CpuFeatures
{
    /// <summary>
    /// The processor's feature bits as ONNX Runtime's kernel dispatch sees them: on x86 the CPUID vendor and feature
    /// leaves (1, 7.0, 7.1, 0x80000001; per-core fields such as the APIC id left out) plus the OS-enabled vector widths;
    /// on Arm the instruction-set extensions .NET detects.
    /// </summary>
    public static string Describe()
    {
        var sb = new StringBuilder();
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            var (_, vb, vc, vd) = System.Runtime.Intrinsics.X86.X86Base.CpuId(0, 0);
            var (_, _, c1, d1) = System.Runtime.Intrinsics.X86.X86Base.CpuId(1, 0);
            var (_, b7, c7, d7) = System.Runtime.Intrinsics.X86.X86Base.CpuId(7, 0);
            var (a71, _, _, d71) = System.Runtime.Intrinsics.X86.X86Base.CpuId(7, 1);
            var (_, _, ce, de) = System.Runtime.Intrinsics.X86.X86Base.CpuId(unchecked((int)0x80000001), 0);
            foreach (int v in (ReadOnlySpan<int>)[vb, vd, vc, c1, d1, b7, c7, d7, a71, d71, ce, de])
            {
                sb.Append(v.ToString("x8", CultureInfo.InvariantCulture)).Append(' ');
            }

            sb.Append(System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2 " : "").Append(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "avx512" : "");
        }
        else if (System.Runtime.Intrinsics.Arm.ArmBase.IsSupported)
        {
            sb.Append(System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "asimd " : "")
                .Append(System.Runtime.Intrinsics.Arm.Dp.IsSupported ? "dotprod " : "")
                .Append(System.Runtime.Intrinsics.Arm.Rdm.IsSupported ? "rdm " : "")
                .Append(System.Runtime.Intrinsics.Arm.Aes.IsSupported ? "aes " : "")
                .Append(System.Runtime.Intrinsics.Arm.Crc32.IsSupported ? "crc32 " : "")
                .Append(System.Runtime.Intrinsics.Arm.Sha256.IsSupported ? "sha256 " : "");
            if (OperatingSystem.IsLinux())
            {
                sb.Append(CpuInfoFeatures());
            }
        }

        return sb.ToString();
    }

    /// <summary>The first "Features" line of /proc/cpuinfo (Arm Linux: SVE, i8mm, bf16 and others .NET does not report).</summary>
    private static string CpuInfoFeatures()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("Features", StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return "";
    }
}
