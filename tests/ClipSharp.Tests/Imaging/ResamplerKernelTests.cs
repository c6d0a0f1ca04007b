using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// The SIMD kernels of <see cref="PillowResampler"/> against its scalar reference (Pillow's loops), byte for byte, on
/// random images of many sizes. The golden tests check the default kernel against Pillow itself.
/// </summary>
public class ResamplerKernelTests
{
    private static ResampleKernel SupportedKernel(string name)
    {
        var kernel = Enum.Parse<ResampleKernel>(name);
        // Without the instructions ResampleWindow falls back to another kernel, and the comparison would prove nothing.
        Skip.If(kernel == ResampleKernel.Avx2 && !Avx2.IsSupported, "this CPU has no AVX2");
        Skip.If(kernel == ResampleKernel.Vector128 && !Vector128.IsHardwareAccelerated, "Vector128 is not accelerated here");
        return kernel;
    }

    private static byte[] Image(Random rng, int n, int style)
    {
        byte[] b = new byte[n];
        switch (style)
        {
            case 0:
                rng.NextBytes(b); // noise: overshoots clip at both ends
                break;
            case 1:
                for (int i = 0; i < n; i++)
                {
                    b[i] = (byte)(((i / 7) & 1) * 255); // hard stripes
                }

                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    b[i] = (byte)((i * 31 / Math.Max(n / 64, 1)) + rng.Next(0, 8)); // gradients with a little noise
                }

                break;
        }

        return b;
    }

    private static void AssertSame(
        ResampleKernel kernel, byte[] src, int w, int h, int channels, int outW, int outH, int x0, int y0, int cw, int ch, ResizeFilter filter, string label)
    {
        bool premultiplied = channels == 4;
        byte[] expected = new byte[cw * ch * channels];
        byte[] actual = new byte[cw * ch * channels];
        PillowResampler.ResampleWindow(src, w, h, channels, premultiplied, outW, outH, x0, y0, cw, ch, filter, expected, ResampleKernel.Scalar);
        PillowResampler.ResampleWindow(src, w, h, channels, premultiplied, outW, outH, x0, y0, cw, ch, filter, actual, kernel);
        int first = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(
            first == expected.Length,
            $"{label}: {kernel} differs from the scalar reference at byte {first} (pixel {first / channels} of the {cw}x{ch} window): " +
            (first < expected.Length ? $"{actual[first]} vs {expected[first]}" : ""));
    }

    [SkippableTheory]
    [InlineData("Avx2")]
    [InlineData("Vector128")]
    public void SimdKernel_RandomSizesAndWindows_MatchesTheScalarReference(string kernelName)
    {
        ResampleKernel kernel = SupportedKernel(kernelName);
        var rng = new Random(20240611);
        int[] channelChoices = [1, 3, 4];
        for (int trial = 0; trial < 300; trial++)
        {
            int channels = channelChoices[trial % 3];
            int w = rng.Next(1, trial % 10 == 0 ? 1500 : 260);
            int h = rng.Next(1, 160);
            int outW = rng.Next(1, trial % 7 == 0 ? 600 : 120);
            int outH = rng.Next(1, 120);
            int cw = rng.Next(1, outW + 1), ch = rng.Next(1, outH + 1);
            int x0 = rng.Next(0, outW - cw + 1), y0 = rng.Next(0, outH - ch + 1);
            ResizeFilter filter = rng.Next(3) == 0 ? ResizeFilter.Bilinear : ResizeFilter.Bicubic;
            byte[] src = Image(rng, w * h * channels, trial % 3);
            AssertSame(kernel, src, w, h, channels, outW, outH, x0, y0, cw, ch, filter, $"trial {trial}: {w}x{h}x{channels} -> {outW}x{outH} window ({x0},{y0}) {cw}x{ch} {filter}");
        }
    }

    [SkippableTheory]
    [InlineData("Avx2")]
    [InlineData("Vector128")]
    public void SimdKernel_ClipLikeResizes_MatchesTheScalarReference(string kernelName)
    {
        ResampleKernel kernel = SupportedKernel(kernelName);

        // Shortest side to 224 and a centre crop, as the preprocessor asks; odd widths, both orientations, a
        // panorama (long kernels), no-resize axes, upscales and a 1-pixel source.
        (int W, int H, int OutW, int OutH)[] cases =
        [
            (1023, 769, 297, 224), (769, 1023, 224, 297), (641, 479, 299, 224), (225, 224, 225, 224), (224, 901, 224, 900),
            (6000, 20, 6720, 22), (3001, 41, 16395, 224), (97, 61, 356, 224), (1, 1, 224, 224), (2, 3, 224, 336), (449, 450, 224, 224),
        ];
        var rng = new Random(7);
        foreach ((int w, int h, int outW, int outH) in cases)
        {
            foreach (int channels in new[] { 1, 3, 4 })
            {
                byte[] src = Image(rng, w * h * channels, 0);
                int cw = Math.Min(224, outW), ch = Math.Min(224, outH);
                int x0 = (outW - cw) / 2, y0 = (outH - ch) / 2;
                AssertSame(kernel, src, w, h, channels, outW, outH, x0, y0, cw, ch, ResizeFilter.Bicubic, $"{w}x{h}x{channels} -> {outW}x{outH}");
                AssertSame(kernel, src, w, h, channels, outW, outH, 0, 0, outW, outH, ResizeFilter.Bicubic, $"{w}x{h}x{channels} -> {outW}x{outH} full");
            }
        }
    }

    [Fact]
    public void PackWeights_SplitIntoHighAndLow_RecombineToPillowsWeights()
    {
        // hi · 2^11 + lo must give back every weight, for the horizontal layouts (1 and 3/4 channels) and the vertical one.
        var coeffs = PillowResampler.Precompute(3264, 298, 0, 298, ResizeFilter.Bicubic);
        int ks = coeffs.KernelSize;
        Assert.True(PillowResampler.TryPackVertical(coeffs, 298, out int[]? v, out int vStride));
        Assert.True(PillowResampler.TryPackHorizontal(coeffs, 298, 1, out int[]? h1, out int h1Stride));
        Assert.True(PillowResampler.TryPackHorizontal(coeffs, 298, 3, out int[]? h3, out int h3Stride));
        Assert.Contains(coeffs.Weights, k => k > short.MaxValue); // the split is needed at all
        static int Join(int lo, int hi, int half) => ((short)(hi >> (16 * half)) * 2048) + (ushort)(lo >> (16 * half));
        for (int i = 0; i < 298; i++)
        {
            for (int t = 0; t < ks; t++)
            {
                int expected = t < coeffs.Length[i] ? coeffs.Weights[(i * ks) + t] : 0;
                int p = (i * vStride) + (2 * (t / 2));
                Assert.Equal(expected, Join(v![p], v[p + 1], t % 2));

                int g1 = (i * h1Stride) + (16 * (t / 16)) + ((t % 16) / 2);
                Assert.Equal(expected, Join(h1![g1], h1[g1 + 8], t % 2));

                int g3 = (i * h3Stride) + (16 * (t / 4)) + (t % 4 < 2 ? 0 : 4);
                for (int lane = 0; lane < 4; lane++)
                {
                    Assert.Equal(expected, Join(h3![g3 + lane], h3[g3 + lane + 8], t % 2));
                }
            }
        }
    }

    [Fact]
    public void PackWeights_TooWideToSplit_AreRefused()
    {
        var coeffs = new PillowResampler.AxisCoefficients(3, 1);
        coeffs.Length[0] = 3;
        coeffs.Weights[1] = 1 << 26;
        Assert.False(PillowResampler.TryPackHorizontal(coeffs, 1, 3, out _, out _));
        Assert.False(PillowResampler.TryPackVertical(coeffs, 1, out _, out _));
        coeffs.Weights[1] = (1 << 26) - 1;
        Assert.True(PillowResampler.TryPackVertical(coeffs, 1, out _, out _));
        Assert.False(PillowResampler.TryPackHorizontal(coeffs, 1, 2, out _, out _)); // no layout for two channels
    }
}
