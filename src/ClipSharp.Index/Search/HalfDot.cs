using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Index;

/// <summary>
/// Dot products of float16 rows with a float32 query without widening the rows first. .NET exposes no F16C
/// conversion, and the portable one costs more than the memory it saves, so on AVX2 + FMA the widening is folded
/// into the product:
/// <list type="bullet">
///   <item>a half h, sign-extended to 32 bits, shifted left by 13 and masked with 0x8FFFE000, is the float
///   h · 2⁻¹¹² bit for bit: sign to bit 31, exponent and mantissa under the float's, subnormal halves included;</item>
///   <item>the query is scaled by 2¹¹² once (<see cref="ScaleQuery"/>), so each product is the exact product of
///   the half and the query value, with no underflow.</item>
/// </list>
/// Values must be finite (an embedding is normalised): an infinite or NaN half would be read as a large finite one.
/// </summary>
internal static class HalfDot
{
    /// <summary>2¹¹²: the gap between the float and half exponent biases (127 − 15).</summary>
    private const float Scale = 5.192296858534828e33f;

    /// <summary>True when <see cref="Dot"/> runs the fused kernel.</summary>
    public static bool IsAccelerated => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>The query as <see cref="Dot"/> takes it: multiplied by 2¹¹² (exact: a power of two).</summary>
    public static float[] ScaleQuery(ReadOnlySpan<float> query)
    {
        float[] scaled = new float[query.Length];
        TensorPrimitives.Multiply(query, Scale, scaled);
        return scaled;
    }

    /// <summary>
    /// Σ rowᵢ · queryᵢ, where <paramref name="scaledQuery"/> is <see cref="ScaleQuery"/> of the query and
    /// <paramref name="query"/> the query itself (for the portable path and the tail).
    /// </summary>
    public static float Dot(ReadOnlySpan<Half> row, ReadOnlySpan<float> query, ReadOnlySpan<float> scaledQuery)
    {
        if (!IsAccelerated)
        {
            Span<float> widened = row.Length <= 1024 ? stackalloc float[row.Length] : new float[row.Length];
            TensorPrimitives.ConvertToSingle(row, widened);
            return TensorPrimitives.Dot(widened, query);
        }

        int n = row.Length;
        ref short h = ref Unsafe.As<Half, short>(ref MemoryMarshal.GetReference(row));
        ref float q = ref MemoryMarshal.GetReference(scaledQuery);
        var mask = Vector256.Create(unchecked((int)0x8FFFE000));
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i <= n - 32; i += 32)
        {
            acc0 = Fma.MultiplyAdd(Widen(ref h, i, mask), Vector256.LoadUnsafe(ref q, (nuint)i), acc0);
            acc1 = Fma.MultiplyAdd(Widen(ref h, i + 8, mask), Vector256.LoadUnsafe(ref q, (nuint)(i + 8)), acc1);
            acc2 = Fma.MultiplyAdd(Widen(ref h, i + 16, mask), Vector256.LoadUnsafe(ref q, (nuint)(i + 16)), acc2);
            acc3 = Fma.MultiplyAdd(Widen(ref h, i + 24, mask), Vector256.LoadUnsafe(ref q, (nuint)(i + 24)), acc3);
        }

        for (; i <= n - 8; i += 8)
        {
            acc0 = Fma.MultiplyAdd(Widen(ref h, i, mask), Vector256.LoadUnsafe(ref q, (nuint)i), acc0);
        }

        float sum = Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
        for (; i < n; i++)
        {
            sum += (float)row[i] * query[i];
        }

        return sum;
    }

    /// <summary>Eight halves from <paramref name="h"/>[<paramref name="i"/>] as floats scaled by 2⁻¹¹².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(ref short h, int i, Vector256<int> mask)
    {
        Vector256<int> extended = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref h, (nuint)i));
        return Avx2.And(Avx2.ShiftLeftLogical(extended, 13), mask).AsSingle();
    }
}
