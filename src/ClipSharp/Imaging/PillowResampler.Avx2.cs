using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Imaging;

/// <summary>Which implementation of the convolution loops <see cref="PillowResampler"/> runs (all give identical bytes).</summary>
internal enum ResampleKernel
{
    /// <summary>Pillow's loops, one byte and one tap at a time: the reference.</summary>
    Scalar,

    /// <summary>Portable <see cref="Vector128"/> code: all channels of one tap per instruction.</summary>
    Vector128,

    /// <summary>AVX2: 16-bit multiply-adds over pairs of taps on split weights.</summary>
    Avx2,
}

/// <summary>
/// AVX2 kernels. Pillow's 8-bit convolution sums <c>pixel · weight</c> in 32-bit integers with weights of up to ~23
/// significant bits, too wide for <c>vpmaddwd</c> (16-bit × 16-bit → 32-bit, two products summed). Each weight is
/// therefore split as <c>k = hi · 2^11 + lo</c> with <c>lo = k &amp; 0x7FF</c> (0…2047) and <c>hi = k &gt;&gt; 11</c>
/// (a signed 16-bit value while |k| &lt; 2^26); two multiply-adds give <c>Σ p·hi</c> and <c>Σ p·lo</c>, and
/// <c>(Σ p·hi) · 2^11 + Σ p·lo + Half</c> equals Pillow's <c>Half + Σ p·k</c> modulo 2^32 whatever the order of the
/// additions — the same 32-bit value, hence the same rounding and clipping. Nothing here is approximate.
/// </summary>
internal static partial class PillowResampler
{
    private const int SplitBits = 11;
    private const int LowMask = (1 << SplitBits) - 1;

    /// <summary>Taps per 32-byte group of the horizontal kernel: 16 for one channel, 4 for three or four.</summary>
    private static int TapsPerGroup(int channels) => channels == 1 ? 16 : 4;

    private static bool Splittable(int k) => k >= -(1 << 26) && k < (1 << 26);

    private static int PackPair(int a, int b) => (int)((uint)(ushort)(short)a | ((uint)(ushort)(short)b << 16));

    private static bool AllSplittable(ReadOnlySpan<int> weights)
    {
        foreach (int k in weights)
        {
            if (!Splittable(k))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Two taps' weights as (their low halves, their high halves), each pair packed into one int.</summary>
    private static (int Low, int High) SplitPair(int a, int b) => (PackPair(a & LowMask, b & LowMask), PackPair(a >> SplitBits, b >> SplitBits));

    /// <summary>
    /// Lays out the weights of each output pixel for <see cref="HorizontalRowsAvx2"/>: per group of taps two
    /// 8-int vectors (low halves, high halves) of 16-bit weights in the order the pixels are shuffled into.
    /// Channels 1: 16 taps, lane j = tap j. Channels 3/4: 4 taps, lanes 0–3 = the pair (t0, t1), lanes 4–7 =
    /// (t2, t3), once per channel. Taps beyond the pixel's length get weight 0.
    /// </summary>
    internal static bool TryPackHorizontal(AxisCoefficients c, int count, int channels, out int[]? packed, out int stride)
    {
        int ks = c.KernelSize;
        int per = TapsPerGroup(channels);
        int groups = (ks + per - 1) / per;
        stride = groups * 16;
        packed = null;
        if (channels is not (1 or 3 or 4))
        {
            return false;
        }

        int[] weights = c.Weights;
        if (!AllSplittable(weights.AsSpan(0, count * ks)))
        {
            return false;
        }

        int[] buffer = ArrayPool<int>.Shared.Rent(Math.Max(count * stride, 1));
        for (int i = 0; i < count; i++)
        {
            int n = c.Length[i];
            ReadOnlySpan<int> k = weights.AsSpan(i * ks, ks);
            Span<int> dst = buffer.AsSpan(i * stride, stride);
            for (int g = 0; g < groups; g++)
            {
                Span<int> lo = dst.Slice(g * 16, 8), hi = dst.Slice((g * 16) + 8, 8);
                int t0 = g * per;
                for (int j = 0; j < 8; j++)
                {
                    // One channel: lane j holds taps (2j, 2j+1); three or four: lanes 0–3 (t0, t0+1), lanes 4–7 (t0+2, t0+3).
                    int t = t0 + (channels == 1 ? 2 * j : j < 4 ? 0 : 2);
                    (lo[j], hi[j]) = SplitPair(Tap(k, n, t), Tap(k, n, t + 1));
                }
            }
        }

        packed = buffer;
        return true;
    }

    /// <summary>
    /// Lays out the weights of each output row for <see cref="VerticalAvx2"/>: per pair of taps (y, y+1) one int
    /// holding their low halves and one holding their high halves; a missing second tap has weight 0.
    /// </summary>
    internal static bool TryPackVertical(AxisCoefficients c, int count, out int[]? packed, out int stride)
    {
        int ks = c.KernelSize;
        int pairs = (ks + 1) / 2;
        stride = pairs * 2;
        packed = null;
        int[] weights = c.Weights;
        if (!AllSplittable(weights.AsSpan(0, count * ks)))
        {
            return false;
        }

        int[] buffer = ArrayPool<int>.Shared.Rent(Math.Max(count * stride, 1));
        for (int i = 0; i < count; i++)
        {
            int n = c.Length[i];
            ReadOnlySpan<int> k = weights.AsSpan(i * ks, ks);
            for (int p = 0; p < pairs; p++)
            {
                (buffer[(i * stride) + (2 * p)], buffer[(i * stride) + (2 * p) + 1]) = SplitPair(Tap(k, n, 2 * p), Tap(k, n, (2 * p) + 1));
            }
        }

        packed = buffer;
        return true;
    }

    private static int Tap(ReadOnlySpan<int> k, int n, int t) => t < n ? k[t] : 0;

    /// <summary>(Σ p·hi) · 2^11 + Σ p·lo, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Join(Vector256<int> lo, Vector256<int> hi) => Avx2.Add(Avx2.ShiftLeftLogical(hi, SplitBits), lo);

    /// <summary>
    /// The horizontal pass for two rows of equal length (<paramref name="rowB"/> may be <paramref name="rowA"/>, with
    /// <paramref name="dstB"/> then <paramref name="dstA"/>): each weight vector is loaded once for both. Windows are
    /// checked by the caller.
    /// </summary>
    private static unsafe void HorizontalRowsAvx2(
        ReadOnlySpan<byte> rowA, ReadOnlySpan<byte> rowB, int rowOrigin, int channels, AxisCoefficients c, int count,
        Span<byte> dstA, Span<byte> dstB, int[] packed, int stride)
    {
        int per = TapsPerGroup(channels);
        int groupBytes = per * channels; // source bytes one group of taps advances by
        int[] starts = c.Start, lengths = c.Length;
        int rowLength = rowA.Length;
        int dstLength = count * channels;
        if (rowB.Length != rowLength || dstA.Length < dstLength || dstB.Length < dstLength)
        {
            throw new ArgumentException("rows or destinations of the wrong length", nameof(rowB));
        }

        // pshufb masks (per 128-bit lane; 0x80 = zero): 16-bit lanes (p_t.c, p_t+1.c) for c = 0..2 (or 0..3),
        // taps t, t+1 in the low lane and t+2, t+3 in the high lane.
        Vector256<byte> mask = channels == 3
            ? Vector256.Create(
                (byte)0, 0x80, 3, 0x80, 1, 0x80, 4, 0x80, 2, 0x80, 5, 0x80, 0x80, 0x80, 0x80, 0x80,
                6, 0x80, 9, 0x80, 7, 0x80, 10, 0x80, 8, 0x80, 11, 0x80, 0x80, 0x80, 0x80, 0x80)
            : Vector256.Create(
                (byte)0, 0x80, 4, 0x80, 1, 0x80, 5, 0x80, 2, 0x80, 6, 0x80, 3, 0x80, 7, 0x80,
                8, 0x80, 12, 0x80, 9, 0x80, 13, 0x80, 10, 0x80, 14, 0x80, 11, 0x80, 15, 0x80);

        fixed (byte* pa = rowA)
        fixed (byte* pb = rowB)
        fixed (int* kp = packed)
        fixed (byte* da = dstA)
        fixed (byte* db = dstB)
        {
            for (int i = 0; i < count; i++)
            {
                int origin = (starts[i] - rowOrigin) * channels;
                int n = lengths[i];
                int groups = (n + per - 1) / per;

                // Each group loads 16 bytes; the last may reach past the window (weights 0) but never past the row.
                if (groups == 0 || origin + ((groups - 1) * groupBytes) + 16 > rowLength)
                {
                    ReadOnlySpan<int> weights = c.Weights.AsSpan(i * c.KernelSize, n);
                    HorizontalPixelScalar(rowA, origin, channels, weights, dstA.Slice(i * channels, channels));
                    HorizontalPixelScalar(rowB, origin, channels, weights, dstB.Slice(i * channels, channels));
                    continue;
                }

                byte* xa = pa + origin;
                byte* xb = pb + origin;
                int* k = kp + ((long)i * stride);
                Vector256<int> loA = Vector256<int>.Zero, hiA = Vector256<int>.Zero;
                Vector256<int> loB = Vector256<int>.Zero, hiB = Vector256<int>.Zero;
                if (channels == 1)
                {
                    for (int g = 0; g < groups; g++, xa += 16, xb += 16, k += 16)
                    {
                        Vector256<short> kl = Avx.LoadVector256(k).AsInt16(), kh = Avx.LoadVector256(k + 8).AsInt16();
                        Vector256<short> a = Avx2.ConvertToVector256Int16(xa);
                        Vector256<short> b = Avx2.ConvertToVector256Int16(xb);
                        loA = Avx2.Add(loA, Avx2.MultiplyAddAdjacent(a, kl));
                        hiA = Avx2.Add(hiA, Avx2.MultiplyAddAdjacent(a, kh));
                        loB = Avx2.Add(loB, Avx2.MultiplyAddAdjacent(b, kl));
                        hiB = Avx2.Add(hiB, Avx2.MultiplyAddAdjacent(b, kh));
                    }

                    da[i] = Clip8(SumLanes(Join(loA, hiA)) + Half);
                    db[i] = Clip8(SumLanes(Join(loB, hiB)) + Half);
                    continue;
                }

                for (int g = 0; g < groups; g++, xa += groupBytes, xb += groupBytes, k += 16)
                {
                    Vector256<short> kl = Avx.LoadVector256(k).AsInt16(), kh = Avx.LoadVector256(k + 8).AsInt16();
                    Vector256<short> a = Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(xa), mask).AsInt16();
                    Vector256<short> b = Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(xb), mask).AsInt16();
                    loA = Avx2.Add(loA, Avx2.MultiplyAddAdjacent(a, kl));
                    hiA = Avx2.Add(hiA, Avx2.MultiplyAddAdjacent(a, kh));
                    loB = Avx2.Add(loB, Avx2.MultiplyAddAdjacent(b, kl));
                    hiB = Avx2.Add(hiB, Avx2.MultiplyAddAdjacent(b, kh));
                }

                StorePixel(Join(loA, hiA), da + (i * channels), (i * channels) + 4 <= dstLength);
                StorePixel(Join(loB, hiB), db + (i * channels), (i * channels) + 4 <= dstLength);
            }
        }
    }

    /// <summary>Sum of all eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SumLanes(Vector256<int> t)
    {
        Vector128<int> s = Sse2.Add(t.GetLower(), t.GetUpper());
        s = Sse2.Add(s, Sse2.Shuffle(s, 0b_01_00_11_10));
        s = Sse2.Add(s, Sse2.Shuffle(s, 0b_10_11_00_01));
        return s.ToScalar();
    }

    /// <summary>
    /// Adds the two 128-bit halves (taps t, t+1 and t+2, t+3) and <see cref="PillowResampler.Half"/>, shifts, clips and
    /// stores the channels of one pixel: 4 bytes when <paramref name="wide"/> (for three channels the fourth is the next
    /// pixel's first byte, rewritten after this one), else 3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePixel(Vector256<int> sum, byte* o, bool wide)
    {
        Vector128<int> v = Sse2.ShiftRightArithmetic(Sse2.Add(Sse2.Add(sum.GetLower(), sum.GetUpper()), Vector128.Create(Half)), PrecisionBits);
        Vector128<short> w = Sse2.PackSignedSaturate(v, v);
        uint bytes = Sse2.PackUnsignedSaturate(w, w).AsUInt32().ToScalar();
        if (wide)
        {
            Unsafe.WriteUnaligned(o, bytes);
        }
        else
        {
            o[0] = (byte)bytes;
            o[1] = (byte)(bytes >> 8);
            o[2] = (byte)(bytes >> 16);
        }
    }

    /// <summary>One output pixel of the horizontal pass, Pillow's loop (used where a 16-byte load would leave the row).</summary>
    private static void HorizontalPixelScalar(ReadOnlySpan<byte> row, int origin, int channels, ReadOnlySpan<int> k, Span<byte> dst)
    {
        for (int ch = 0; ch < channels; ch++)
        {
            int ss = Half;
            for (int x = 0; x < k.Length; x++)
            {
                ss += row[origin + (x * channels) + ch] * k[x];
            }

            dst[ch] = Clip8(ss);
        }
    }

    private static unsafe void VerticalAvx2(
        ReadOnlySpan<byte> temp, int rowBytes, int rowFirst, AxisCoefficients c, int count, Span<byte> dst, int[] packed, int stride)
    {
        Vector256<int> half = Vector256.Create(Half);
        int ks = c.KernelSize;
        fixed (byte* tp = temp)
        fixed (int* kp = packed)
        fixed (byte* dp = dst)
        {
            for (int i = 0; i < count; i++)
            {
                int n = c.Length[i];
                int pairs = (n + 1) / 2;
                byte* first = tp + ((long)(c.Start[i] - rowFirst) * rowBytes);
                int* k = kp + ((long)i * stride);
                byte* outRow = dp + ((long)i * rowBytes);
                int x = 0;
                for (; x <= rowBytes - 16; x += 16)
                {
                    // Bytes x..x+15 of every source row in the window, two rows per step interleaved into 16-bit pairs.
                    Vector256<int> lo0 = Vector256<int>.Zero, lo1 = Vector256<int>.Zero;
                    Vector256<int> hi0 = Vector256<int>.Zero, hi1 = Vector256<int>.Zero;
                    byte* r = first + x;
                    for (int p = 0; p < pairs; p++, r += 2 * rowBytes)
                    {
                        Vector128<byte> a = Sse2.LoadVector128(r);
                        Vector128<byte> b = (2 * p) + 1 < n ? Sse2.LoadVector128(r + rowBytes) : a; // weight 0 when absent
                        Vector256<short> w0 = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(a, b));
                        Vector256<short> w1 = Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(a, b));
                        Vector256<short> kl = Vector256.Create(k[2 * p]).AsInt16();
                        Vector256<short> kh = Vector256.Create(k[(2 * p) + 1]).AsInt16();
                        lo0 = Avx2.Add(lo0, Avx2.MultiplyAddAdjacent(w0, kl));
                        lo1 = Avx2.Add(lo1, Avx2.MultiplyAddAdjacent(w1, kl));
                        hi0 = Avx2.Add(hi0, Avx2.MultiplyAddAdjacent(w0, kh));
                        hi1 = Avx2.Add(hi1, Avx2.MultiplyAddAdjacent(w1, kh));
                    }

                    Vector256<int> s0 = Avx2.ShiftRightArithmetic(Avx2.Add(Join(lo0, hi0), half), PrecisionBits); // bytes 0..7
                    Vector256<int> s1 = Avx2.ShiftRightArithmetic(Avx2.Add(Join(lo1, hi1), half), PrecisionBits); // bytes 8..15

                    // packssdw works per 128-bit lane: [0-3, 8-11 | 4-7, 12-15]; reorder the 64-bit quarters, then to bytes.
                    Vector256<short> words = Avx2.Permute4x64(Avx2.PackSignedSaturate(s0, s1).AsInt64(), 0b_11_01_10_00).AsInt16();
                    Sse2.Store(outRow + x, Sse2.PackUnsignedSaturate(words.GetLower(), words.GetUpper()));
                }

                ReadOnlySpan<int> weights = c.Weights.AsSpan(i * ks, n);
                for (; x < rowBytes; x++)
                {
                    int ss = Half;
                    byte* r = first + x;
                    for (int y = 0; y < n; y++, r += rowBytes)
                    {
                        ss += *r * weights[y];
                    }

                    outRow[x] = Clip8(ss);
                }
            }
        }
    }
}
