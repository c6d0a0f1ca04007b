using ClipSharp.Imaging;

namespace ClipSharp.Tests.Imaging;

/// <summary>Pixel comparison helpers for image tests.</summary>
internal static class ImageAssert
{
    /// <summary>The image as tightly packed 8-bit RGB (grey replicated, alpha dropped) — Pillow's convert("RGB").</summary>
    public static byte[] ToRgb(ClipImage image)
    {
        ReadOnlySpan<byte> px = image.Pixels.Span;
        int n = image.Width * image.Height;
        byte[] rgb = new byte[n * 3];
        int ch = image.Channels;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                rgb[(i * 3) + c] = px[(i * ch) + (ch == 1 ? 0 : c)];
            }
        }

        return rgb;
    }

    public static double MeanAbsDiff(ClipImage a, ClipImage b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
        {
            throw new InvalidOperationException($"size {a.Width}x{a.Height} vs {b.Width}x{b.Height}");
        }

        byte[] x = ToRgb(a), y = ToRgb(b);
        long sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += Math.Abs(x[i] - y[i]);
        }

        return (double)sum / x.Length;
    }

    public static bool RgbIdentical(ClipImage a, ClipImage b)
        => a.Width == b.Width && a.Height == b.Height && ToRgb(a).AsSpan().SequenceEqual(ToRgb(b));
}
