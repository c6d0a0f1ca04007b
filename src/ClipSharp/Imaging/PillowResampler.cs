using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Imaging;

/// <summary>
/// A faithful re-implementation of Pillow 9.4's 8-bit resampling (<c>libImaging/Resample.c</c>) and of its
/// nearest-neighbour scaling (<c>ImagingScaleAffine</c>), able to compute only a window of the output.
/// </summary>
/// <remarks>
/// Pillow's convolution is separable: per output pixel, a filter (support scaled by the downscale factor)
/// gives weights in double precision, normalised to sum 1, then rounded to fixed point with 22 fractional
/// bits. The horizontal pass runs first into an 8-bit intermediate (rounded, clipped), restricted to the
/// source rows the vertical pass reads; the vertical pass follows. A pass whose size does not change is
/// skipped. Because the weights of an output pixel depend only on its index, computing a window of the
/// output (the part that survives a centre crop) gives bit-identical values to computing all of it.
/// Three kernels compute the same integer sums: <see cref="ResampleKernel.Scalar"/> (Pillow's loops, the reference),
/// <see cref="ResampleKernel.Vector128"/> (portable SIMD, one tap at a time) and <see cref="ResampleKernel.Avx2"/>
/// (PillowResampler.Avx2.cs: several taps per instruction with 16-bit multiply-adds on split coefficients).
/// </remarks>
internal static partial class PillowResampler
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const int Half = 1 << (PrecisionBits - 1);

    /// <summary>Fixed-point weights for a contiguous range of outputs along one axis.</summary>
    internal sealed class AxisCoefficients
    {
        public AxisCoefficients(int kernelSize, int count)
        {
            KernelSize = kernelSize;
            Start = new int[count];
            Length = new int[count];
            Weights = new int[checked(count * kernelSize)];
        }

        public int KernelSize { get; }

        public int[] Start { get; }

        public int[] Length { get; }

        public int[] Weights { get; }
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * a;
        }

        return 0.0;
    }

    private static double Bilinear(double x)
    {
        if (x < 0.0)
        {
            x = -x;
        }

        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c> for outputs [outStart, outStart+outCount).</summary>
    internal static AxisCoefficients Precompute(int inSize, int outSize, int outStart, int outCount, ResizeFilter filter)
    {
        bool cubic = filter == ResizeFilter.Bicubic;
        double filterSupport = cubic ? 2.0 : 1.0;

        // Pillow: scale = (double)(in1 - in0) / outSize with float box edges; in0 = 0.
        double scale = (double)(float)inSize / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = filterSupport * filterScale;
        int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;

        var result = new AxisCoefficients(kernelSize, outCount);
        Span<double> k = kernelSize <= 256 ? stackalloc double[kernelSize] : new double[kernelSize];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < outCount; i++)
        {
            int xx = outStart + i;
            double center = (xx + 0.5) * scale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }

            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }

            xmax -= xmin;
            if (xmax > kernelSize)
            {
                xmax = kernelSize;
            }

            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double arg = ((x + xmin) - center + 0.5) * ss;
                double w = cubic ? Bicubic(arg) : Bilinear(arg);
                k[x] = w;
                ww += w;
            }

            Span<int> dst = result.Weights.AsSpan(i * kernelSize, kernelSize);
            for (int x = 0; x < xmax; x++)
            {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                dst[x] = v < 0 ? (int)(-0.5 + (v * (1 << PrecisionBits))) : (int)(0.5 + (v * (1 << PrecisionBits)));
            }

            result.Start[i] = xmin;
            result.Length[i] = Math.Max(xmax, 0);
        }

        return result;
    }

    private static byte Clip8(int v)
    {
        int s = v >> PrecisionBits;
        return s < 0 ? (byte)0 : s > 255 ? (byte)255 : (byte)s;
    }

    /// <summary>The fastest kernel this machine runs.</summary>
    internal static ResampleKernel BestKernel { get; } =
        System.Runtime.Intrinsics.X86.Avx2.IsSupported ? ResampleKernel.Avx2
        : Vector128.IsHardwareAccelerated ? ResampleKernel.Vector128
        : ResampleKernel.Scalar;

    /// <summary>
    /// Resamples <paramref name="src"/> (w×h, <paramref name="channels"/> interleaved) to outW×outH with Pillow's
    /// convolution, writing only the output window [x0, x0+cw) × [y0, y0+ch) to <paramref name="dst"/> (cw×ch, tightly packed).
    /// When <paramref name="premultiplied"/> is set (4 channels), the source is premultiplied first and the result
    /// unpremultiplied, exactly as Pillow's RGBA → RGBa → resize → RGBA. <paramref name="kernel"/> (default
    /// <see cref="BestKernel"/>) changes the speed, never a value; an unsupported kernel falls back to a supported one.
    /// </summary>
    internal static void ResampleWindow(
        ReadOnlySpan<byte> src, int w, int h, int channels, bool premultiplied,
        int outW, int outH, int x0, int y0, int cw, int ch, ResizeFilter filter, Span<byte> dst,
        ResampleKernel? kernel = null)
    {
        if (cw <= 0 || ch <= 0)
        {
            return;
        }

        bool needH = outW != w;
        bool needV = outH != h;
        if (!needH && !needV)
        {
            CopyWindow(src, w, channels, x0, y0, cw, ch, dst);
            return;
        }

        AxisCoefficients? vert = needV ? Precompute(h, outH, y0, ch, filter) : null;
        AxisCoefficients? horiz = needH ? Precompute(w, outW, x0, cw, filter) : null;
        (int rowFirst, int rowEnd) = SourceRange(vert, y0, ch);
        (int colFirst, int colEnd) = SourceRange(horiz, x0, cw);
        ResampleKernel k = SupportedKernel(kernel ?? BestKernel);

        int tempRows = rowEnd - rowFirst;
        int tempRowBytes = cw * channels;
        int stage1Bytes = checked(tempRows * tempRowBytes);
        byte[] temp = ArrayPool<byte>.Shared.Rent(Math.Max(stage1Bytes, 1));
        int premultipliedBytes = (colEnd - colFirst) * channels;
        byte[]? rowBuf = premultiplied ? ArrayPool<byte>.Shared.Rent(Math.Max(2 * premultipliedBytes, 1)) : null;

        // AVX2 kernels take their weights split into 16-bit halves (see PillowResampler.Avx2.cs); an axis whose
        // weights do not fit (never seen in practice) uses the one-tap-at-a-time kernel.
        int[]? hPacked = null, vPacked = null;
        int hStride = 0, vStride = 0;
        ResampleKernel hKernel = k, vKernel = k;
        if (k == ResampleKernel.Avx2)
        {
            ResampleKernel fallback = Vector128.IsHardwareAccelerated ? ResampleKernel.Vector128 : ResampleKernel.Scalar;
            if (horiz is not null && !TryPackHorizontal(horiz, cw, channels, out hPacked, out hStride))
            {
                hKernel = fallback;
            }

            if (vert is not null && !TryPackVertical(vert, ch, out vPacked, out vStride))
            {
                vKernel = fallback;
            }
        }

        try
        {
            Span<byte> stage1 = temp.AsSpan(0, stage1Bytes);
            var rows = new ResampleSourceRows(src, w * channels, rowFirst, tempRows, channels, colFirst, premultipliedBytes, rowBuf);
            if (horiz is null)
            {
                CopyRows(rows, (x0 - rows.Origin) * channels, stage1, tempRowBytes);
            }
            else
            {
                HorizontalPass(rows, channels, horiz, cw, stage1, tempRowBytes, hKernel, hPacked, hStride);
            }

            if (vert is not null)
            {
                Vertical(stage1, tempRowBytes, rowFirst, vert, ch, dst, vKernel, vPacked, vStride);
            }
            else
            {
                stage1.CopyTo(dst);
            }

            if (premultiplied)
            {
                Unpremultiply(dst[..(cw * ch * 4)]);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
            if (rowBuf is not null)
            {
                ArrayPool<byte>.Shared.Return(rowBuf);
            }

            if (hPacked is not null)
            {
                ArrayPool<int>.Shared.Return(hPacked);
            }

            if (vPacked is not null)
            {
                ArrayPool<int>.Shared.Return(vPacked);
            }
        }
    }

    /// <summary>
    /// The source range [first, end) one pass reads along an axis: the union of the output pixels' windows, or the
    /// output window [start, start+count) itself when the axis is not resampled.
    /// </summary>
    private static (int First, int End) SourceRange(AxisCoefficients? axis, int start, int count)
    {
        if (axis is null)
        {
            return (start, start + count);
        }

        int first = int.MaxValue;
        int end = 0;
        for (int i = 0; i < count; i++)
        {
            first = Math.Min(first, axis.Start[i]);
            end = Math.Max(end, axis.Start[i] + axis.Length[i]);
        }

        return (Math.Min(first, end), end);
    }

    /// <summary><paramref name="kernel"/> when this machine runs it, else the fastest one below it that it does.</summary>
    private static ResampleKernel SupportedKernel(ResampleKernel kernel)
    {
        if (kernel == ResampleKernel.Avx2 && !System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            kernel = Vector128.IsHardwareAccelerated ? ResampleKernel.Vector128 : ResampleKernel.Scalar;
        }

        if (kernel == ResampleKernel.Vector128 && !Vector128.IsHardwareAccelerated)
        {
            kernel = ResampleKernel.Scalar;
        }

        return kernel;
    }

    /// <summary>Stage one without a horizontal pass: the window's columns of each source row the vertical pass reads.</summary>
    private static void CopyRows(ResampleSourceRows rows, int offset, Span<byte> stage1, int rowBytes)
    {
        for (int r = 0; r < rows.Count; r += 2)
        {
            int r2 = Math.Min(r + 1, rows.Count - 1);
            rows.Pair(r, r2, out ReadOnlySpan<byte> rowA, out ReadOnlySpan<byte> rowB);
            rowA.Slice(offset, rowBytes).CopyTo(stage1.Slice(r * rowBytes, rowBytes));
            rowB.Slice(offset, rowBytes).CopyTo(stage1.Slice(r2 * rowBytes, rowBytes));
        }
    }

    /// <summary>
    /// The horizontal pass over every source row the vertical pass reads, into the 8-bit intermediate
    /// <paramref name="stage1"/> (one row of <paramref name="rowBytes"/> per source row).
    /// </summary>
    private static void HorizontalPass(ResampleSourceRows rows, int channels, AxisCoefficients horiz, int cw, Span<byte> stage1, int rowBytes,
        ResampleKernel kernel, int[]? packed, int packedStride)
    {
        CheckHorizontalWindows(horiz, cw, channels, rows.Origin, rows.Length);

        // Two rows at a time: the AVX2 kernel loads each weight vector once for both. An odd last row is paired
        // with itself (same input, same output place, same values).
        for (int r = 0; r < rows.Count; r += 2)
        {
            int r2 = Math.Min(r + 1, rows.Count - 1);
            rows.Pair(r, r2, out ReadOnlySpan<byte> rowA, out ReadOnlySpan<byte> rowB);
            Span<byte> outA = stage1.Slice(r * rowBytes, rowBytes);
            Span<byte> outB = stage1.Slice(r2 * rowBytes, rowBytes);
            if (kernel == ResampleKernel.Avx2 && packed is not null)
            {
                HorizontalRowsAvx2(rowA, rowB, rows.Origin, channels, horiz, cw, outA, outB, packed, packedStride);
            }
            else
            {
                HorizontalRow(rowA, rows.Origin, channels, horiz, cw, outA, kernel);
                if (r2 != r)
                {
                    HorizontalRow(rowB, rows.Origin, channels, horiz, cw, outB, kernel);
                }
            }
        }
    }

    private static void CopyWindow(ReadOnlySpan<byte> src, int w, int channels, int x0, int y0, int cw, int ch, Span<byte> dst)
    {
        int rowBytes = cw * channels;
        for (int r = 0; r < ch; r++)
        {
            src.Slice((((y0 + r) * w) + x0) * channels, rowBytes).CopyTo(dst.Slice(r * rowBytes, rowBytes));
        }
    }

    /// <summary>
    /// Checks once per image that every output pixel's window [Start, Start+Length) lies inside a row of
    /// <paramref name="rowLength"/> bytes starting at source column <paramref name="rowOrigin"/>: the row kernels
    /// read through pointers and rely on it.
    /// </summary>
    private static void CheckHorizontalWindows(AxisCoefficients c, int count, int channels, int rowOrigin, int rowLength)
    {
        for (int i = 0; i < count; i++)
        {
            if (c.Start[i] - rowOrigin < 0 || (long)(c.Start[i] - rowOrigin + c.Length[i]) * channels > rowLength)
            {
                throw new ArgumentException("coefficient window outside the row", nameof(c));
            }
        }
    }

    /// <summary>One row of the horizontal pass with the scalar or the <see cref="Vector128"/> kernel (windows checked by the caller).</summary>
    private static unsafe void HorizontalRow(
        ReadOnlySpan<byte> row, int rowOrigin, int channels, AxisCoefficients c, int count, Span<byte> dst, ResampleKernel kernel)
    {
        int ks = c.KernelSize;
        int[] starts = c.Start, lengths = c.Length;
        if (count > dst.Length / channels)
        {
            throw new ArgumentException("destination too small", nameof(dst));
        }

        if (kernel == ResampleKernel.Scalar)
        {
            HorizontalRowScalar(row, rowOrigin, channels, c, count, dst);
            return;
        }

        fixed (byte* rp = row)
        fixed (int* kp = c.Weights)
        fixed (byte* dp = dst)
        {
            switch (channels)
            {
                case 1:
                    for (int i = 0; i < count; i++)
                    {
                        byte* px = rp + (starts[i] - rowOrigin);
                        int* k = kp + (i * ks);
                        int n = lengths[i];
                        int s0 = Half;
                        for (int x = 0; x < n; x++)
                        {
                            s0 += px[x] * k[x];
                        }

                        dp[i] = Clip8(s0);
                    }

                    break;
                case 3:
                    for (int i = 0; i < count; i++)
                    {
                        byte* px = rp + ((starts[i] - rowOrigin) * 3);
                        int* k = kp + (i * ks);
                        int n = lengths[i];
                        byte* o3 = dp + (i * 3);
                        if (((starts[i] - rowOrigin + n) * 3) + 1 <= row.Length)
                        {
                            // Reads 4 bytes per tap (the 4th belongs to the next pixel and lands in an ignored lane).
                            Vector128<int> acc = Vector128.Create(Half);
                            for (int x = 0; x < n; x++, px += 3)
                            {
                                acc += Widen(px) * Vector128.Create(k[x]);
                            }

                            o3[0] = Clip8(acc.GetElement(0));
                            o3[1] = Clip8(acc.GetElement(1));
                            o3[2] = Clip8(acc.GetElement(2));
                            continue;
                        }

                        int s0 = Half, s1 = Half, s2 = Half;
                        for (int x = 0; x < n; x++, px += 3)
                        {
                            int kx = k[x];
                            s0 += px[0] * kx;
                            s1 += px[1] * kx;
                            s2 += px[2] * kx;
                        }

                        o3[0] = Clip8(s0);
                        o3[1] = Clip8(s1);
                        o3[2] = Clip8(s2);
                    }

                    break;
                default:
                    for (int i = 0; i < count; i++)
                    {
                        byte* px = rp + ((starts[i] - rowOrigin) * 4);
                        int* k = kp + (i * ks);
                        int n = lengths[i];
                        Vector128<int> acc = Vector128.Create(Half);
                        for (int x = 0; x < n; x++, px += 4)
                        {
                            acc += Widen(px) * Vector128.Create(k[x]);
                        }

                        byte* o = dp + (i * 4);
                        o[0] = Clip8(acc.GetElement(0));
                        o[1] = Clip8(acc.GetElement(1));
                        o[2] = Clip8(acc.GetElement(2));
                        o[3] = Clip8(acc.GetElement(3));
                    }

                    break;
            }
        }
    }

    /// <summary>Pillow's <c>ImagingResampleHorizontal_8bpc</c> loop for one row, tap by tap: the reference the SIMD kernels are tested against.</summary>
    private static void HorizontalRowScalar(ReadOnlySpan<byte> row, int rowOrigin, int channels, AxisCoefficients c, int count, Span<byte> dst)
    {
        int ks = c.KernelSize;
        ReadOnlySpan<int> weights = c.Weights;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<int> k = weights.Slice(i * ks, ks);
            int origin = (c.Start[i] - rowOrigin) * channels;
            int n = c.Length[i];
            for (int ch = 0; ch < channels; ch++)
            {
                int ss = Half;
                for (int x = 0; x < n; x++)
                {
                    ss += row[origin + (x * channels) + ch] * k[x];
                }

                dst[(i * channels) + ch] = Clip8(ss);
            }
        }
    }

    /// <summary>Four bytes at <paramref name="p"/> widened to four 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<int> Widen(byte* p)
    {
        Vector128<byte> b = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(p)).AsByte();
        return Vector128.WidenLower(Vector128.WidenLower(b)).AsInt32();
    }

    private static unsafe void Vertical(
        ReadOnlySpan<byte> temp, int rowBytes, int rowFirst, AxisCoefficients c, int count, Span<byte> dst,
        ResampleKernel kernel, int[]? packed, int packedStride)
    {
        int tempRows = temp.Length / Math.Max(rowBytes, 1);
        for (int i = 0; i < count; i++)
        {
            if (c.Start[i] - rowFirst < 0 || c.Start[i] - rowFirst + c.Length[i] > tempRows)
            {
                throw new ArgumentException("coefficient window outside the intermediate image", nameof(temp));
            }
        }

        if (dst.Length < count * rowBytes)
        {
            throw new ArgumentException("destination too small", nameof(dst));
        }

        if (kernel == ResampleKernel.Avx2 && packed is not null)
        {
            VerticalAvx2(temp, rowBytes, rowFirst, c, count, dst, packed, packedStride);
            return;
        }

        if (kernel == ResampleKernel.Scalar)
        {
            VerticalScalar(temp, rowBytes, rowFirst, c, count, dst);
            return;
        }

        int[] acc = ArrayPool<int>.Shared.Rent(rowBytes);
        try
        {
            int ks = c.KernelSize;
            fixed (int* sum = acc)
            fixed (byte* tp = temp)
            fixed (int* kp = c.Weights)
            fixed (byte* dp = dst)
            {
                for (int i = 0; i < count; i++)
                {
                    new Span<int>(sum, rowBytes).Fill(Half);
                    int start = c.Start[i] - rowFirst;
                    int n = c.Length[i];
                    int* k = kp + (i * ks);
                    for (int y = 0; y < n; y++)
                    {
                        int ky = k[y];
                        byte* row = tp + ((long)(start + y) * rowBytes);
                        int x = 0;
                        if (Vector128.IsHardwareAccelerated)
                        {
                            // 16 bytes at a time: widen to four int lanes groups, multiply-add (exact integer arithmetic).
                            Vector128<int> kv = Vector128.Create(ky);
                            for (; x <= rowBytes - 16; x += 16)
                            {
                                Vector128<byte> b = Vector128.Load(row + x);
                                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(b);
                                (Vector128<uint> a0, Vector128<uint> a1) = Vector128.Widen(lo);
                                (Vector128<uint> a2, Vector128<uint> a3) = Vector128.Widen(hi);
                                int* s = sum + x;
                                Vector128.Store(Vector128.Load(s) + (a0.AsInt32() * kv), s);
                                Vector128.Store(Vector128.Load(s + 4) + (a1.AsInt32() * kv), s + 4);
                                Vector128.Store(Vector128.Load(s + 8) + (a2.AsInt32() * kv), s + 8);
                                Vector128.Store(Vector128.Load(s + 12) + (a3.AsInt32() * kv), s + 12);
                            }
                        }

                        for (; x < rowBytes; x++)
                        {
                            sum[x] += row[x] * ky;
                        }
                    }

                    byte* outRow = dp + ((long)i * rowBytes);
                    for (int x = 0; x < rowBytes; x++)
                    {
                        outRow[x] = Clip8(sum[x]);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(acc);
        }
    }

    /// <summary>Pillow's <c>ImagingResampleVertical_8bpc</c> loop, byte by byte: the reference for the SIMD kernels.</summary>
    private static void VerticalScalar(ReadOnlySpan<byte> temp, int rowBytes, int rowFirst, AxisCoefficients c, int count, Span<byte> dst)
    {
        int ks = c.KernelSize;
        ReadOnlySpan<int> weights = c.Weights;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<int> k = weights.Slice(i * ks, ks);
            int start = c.Start[i] - rowFirst;
            int n = c.Length[i];
            Span<byte> outRow = dst.Slice(i * rowBytes, rowBytes);
            for (int x = 0; x < rowBytes; x++)
            {
                int ss = Half;
                for (int y = 0; y < n; y++)
                {
                    ss += temp[((start + y) * rowBytes) + x] * k[y];
                }

                outRow[x] = Clip8(ss);
            }
        }
    }

    /// <summary>Pillow's RGBA → RGBa conversion: c·a/255 rounded as <c>MULDIV255</c>.</summary>
    internal static void Premultiply(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        for (int i = 0; i + 3 < src.Length; i += 4)
        {
            uint a = src[i + 3];
            dst[i] = MulDiv255(src[i], a);
            dst[i + 1] = MulDiv255(src[i + 1], a);
            dst[i + 2] = MulDiv255(src[i + 2], a);
            dst[i + 3] = (byte)a;
        }
    }

    private static byte MulDiv255(uint c, uint a)
    {
        uint t = (c * a) + 128;
        return (byte)(((t >> 8) + t) >> 8);
    }

    /// <summary>Pillow's RGBa → RGBA conversion: c·255/a (integer division, clipped), untouched when a is 0 or 255.</summary>
    internal static void Unpremultiply(Span<byte> px)
    {
        for (int i = 0; i + 3 < px.Length; i += 4)
        {
            int a = px[i + 3];
            if (a is 0 or 255)
            {
                continue;
            }

            px[i] = (byte)Math.Min(255, 255 * px[i] / a);
            px[i + 1] = (byte)Math.Min(255, 255 * px[i + 1] / a);
            px[i + 2] = (byte)Math.Min(255, 255 * px[i + 2] / a);
        }
    }

    /// <summary>
    /// Pillow's nearest-neighbour resize (<c>ImagingScaleAffine</c>, source positions stepped by repeated
    /// addition in double precision), for the output window [x0, x0+cw) × [y0, y0+ch).
    /// </summary>
    internal static void NearestWindow(
        ReadOnlySpan<byte> src, int w, int h, int channels,
        int outW, int outH, int x0, int y0, int cw, int ch, Span<byte> dst)
    {
        if (cw <= 0 || ch <= 0)
        {
            return;
        }

        if (outW == w && outH == h)
        {
            CopyWindow(src, w, channels, x0, y0, cw, ch, dst);
            return;
        }

        int[] xs = ArrayPool<int>.Shared.Rent(cw);
        try
        {
            double ax = (double)(float)w / outW;
            double xo = ax * 0.5;
            for (int x = 0; x < x0 + cw; x++)
            {
                if (x >= x0)
                {
                    xs[x - x0] = Coord(xo, w);
                }

                xo += ax;
            }

            double ay = (double)(float)h / outH;
            double yo = ay * 0.5;
            for (int y = 0; y < y0 + ch; y++)
            {
                if (y >= y0)
                {
                    int yi = Coord(yo, h);
                    ReadOnlySpan<byte> row = src.Slice(yi * w * channels, w * channels);
                    Span<byte> outRow = dst.Slice((y - y0) * cw * channels, cw * channels);
                    for (int x = 0; x < cw; x++)
                    {
                        row.Slice(xs[x] * channels, channels).CopyTo(outRow.Slice(x * channels, channels));
                    }
                }

                yo += ay;
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(xs);
        }
    }

    private static int Coord(double v, int size)
    {
        // Pillow: v < 0 → -1 (pixel left unwritten); truncate otherwise. Positions are always inside for a plain
        // scale, but clamp defensively rather than read out of bounds.
        int i = v < 0.0 ? 0 : (int)v;
        return i >= size ? size - 1 : i;
    }
}
