using System.Buffers;

namespace ClipSharp.Imaging;

/// <summary>
/// Turns a <see cref="ClipImage"/> into the model's input tensor exactly as OpenAI's <c>clip._transform</c>
/// (Pillow 9.4 + torchvision 0.14) does: resize in the image's own mode (grey as one channel, RGBA premultiplied,
/// palette nearest-neighbour), centre crop (or letterbox/squash per <see cref="ResizeMode"/>), <c>convert("RGB")</c>
/// (alpha dropped, grey replicated), then <c>ToTensor</c> and <c>Normalize</c> in float32. Output is CHW float32.
/// </summary>
/// <remarks>
/// Thread-safe. Only the part of the resized image that survives the crop is computed, so extreme aspect
/// ratios (a 6000×200 panorama resizes to 6720×224) need no large intermediate buffer. The values are
/// bit-identical to Pillow's because each output pixel's weights depend only on its own index.
/// </remarks>
public sealed class ImagePreprocessor
{
    private readonly float[] _lut; // 3 × 256: ((v / 255f) − mean[c]) / std[c], in float32 as torchvision computes it

    private ImagePreprocessor(PreprocessConfig config)
    {
        Config = config;
        _lut = new float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            float mean = config.Mean[c];
            float std = config.Std[c];
            for (int v = 0; v < 256; v++)
            {
                float x = v / 255f;
                _lut[(c * 256) + v] = (x - mean) / std;
            }
        }
    }

    /// <summary>The configuration this preprocessor applies.</summary>
    public PreprocessConfig Config { get; }

    /// <summary>Creates a preprocessor for <paramref name="config"/>.</summary>
    public static ImagePreprocessor Create(PreprocessConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ImagePreprocessor(config);
    }

    /// <summary>Preprocesses <paramref name="image"/> into a new CHW float32 array of length 3·S·S.</summary>
    public float[] Preprocess(ClipImage image)
    {
        int s = Config.Size;
        float[] result = new float[3 * s * s];
        Preprocess(image, result);
        return result;
    }

    /// <summary>The size (width, height) the image is resized to before cropping or padding.</summary>
    internal (int Width, int Height) ResizedSize(int width, int height)
    {
        int s = Config.Size;
        switch (Config.ResizeMode)
        {
            case ResizeMode.Squash:
                return (s, s);
            case ResizeMode.Longest:
            {
                // open_clip ResizeKeepRatio(longest=1): ratio = max(h/S, w/S); new = round(len / ratio), banker's rounding.
                double ratio = Math.Max((double)height / s, (double)width / s);
                int nh = (int)Math.Round(height / ratio, MidpointRounding.ToEven);
                int nw = (int)Math.Round(width / ratio, MidpointRounding.ToEven);
                return (Math.Max(nw, 1), Math.Max(nh, 1));
            }

            default:
            {
                // torchvision _compute_resized_output_size: short → S, long → int(S * long / short).
                bool wide = width > height;
                long shortSide = wide ? height : width;
                long longSide = wide ? width : height;
                long newLong = (long)((double)(s * longSide) / shortSide);
                if (newLong > int.MaxValue / 4)
                {
                    throw new ClipSharpException(ClipErrorKind.ImageTooLarge, $"a {width}x{height} image resizes to an unsupported size");
                }

                return wide ? ((int)newLong, s) : (s, (int)newLong);
            }
        }
    }

    /// <summary>
    /// A bound on the bytes <see cref="Preprocess(ClipImage, Span{float})"/> allocates for an image of this size: the
    /// resampler's first-pass window (at most S columns × every source row), its premultiplied row pair for RGBA, its
    /// weight tables (two axes, plain and packed, about 4 taps per source pixel per output pixel for bicubic), and the
    /// crop window and canvas. Not the decoded image itself, nor the float destination (the caller's).
    /// </summary>
    internal long WorkingBytes(int width, int height, int channels)
    {
        long s = Config.Size;
        long longest = Math.Max(width, height);
        long stage1 = s * longest * channels;
        long premultiplied = channels == 4 ? 2L * longest * channels : 0;
        long weights = 2 * 2 * 4 * ((4 * longest) + (8 * s));
        long canvasAndWindow = 2 * s * s * channels;
        return stage1 + premultiplied + weights + canvasAndWindow;
    }

    /// <summary>torchvision's centre crop/pad offset along one axis: negative means padding before the image.</summary>
    private static int CropOffset(int resized, int s)
        => s > resized ? -((s - resized) / 2) : (int)Math.Round((resized - s) / 2.0, MidpointRounding.ToEven);

    /// <summary>
    /// Preprocesses <paramref name="image"/> into <paramref name="destination"/> (length 3·S·S, CHW float32,
    /// normalised). Throws <see cref="ClipSharpException"/> (<see cref="ClipErrorKind.InvalidInput"/>) if the length is wrong.
    /// </summary>
    public void Preprocess(ClipImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        int s = Config.Size;
        int plane = s * s;
        if (destination.Length != 3 * plane)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"destination must hold 3x{s}x{s} = {3 * plane} floats, got {destination.Length}");
        }

        int channels = image.Channels;
        (int rw, int rh) = ResizedSize(image.Width, image.Height);
        int offX = CropOffset(rw, s);
        int offY = CropOffset(rh, s);
        int x0 = Math.Max(0, offX), x1 = Math.Min(rw, offX + s);
        int y0 = Math.Max(0, offY), y1 = Math.Min(rh, offY + s);
        int cw = x1 - x0, ch = y1 - y0;

        byte fill = Config.ResizeMode == ResizeMode.Longest ? (byte)Config.FillColor : (byte)0;
        int canvasBytes = plane * channels;
        int windowBytes = cw * ch * channels;
        byte[] canvas = ArrayPool<byte>.Shared.Rent(canvasBytes);
        byte[] window = ArrayPool<byte>.Shared.Rent(Math.Max(windowBytes, 1));
        try
        {
            Span<byte> cv = canvas.AsSpan(0, canvasBytes);
            Span<byte> win = window.AsSpan(0, windowBytes);
            ReadOnlySpan<byte> src = image.Pixels.Span;

            if (image.IsPalette || Config.Filter == ResizeFilter.Nearest)
            {
                // Pillow forces NEAREST for P/1 images, and never premultiplies for NEAREST.
                PillowResampler.NearestWindow(src, image.Width, image.Height, channels, rw, rh, x0, y0, cw, ch, win);
            }
            else
            {
                PillowResampler.ResampleWindow(
                    src, image.Width, image.Height, channels, image.Format == PixelFormat.Rgba32,
                    rw, rh, x0, y0, cw, ch, Config.Filter, win);
            }

            int dx = x0 - offX, dy = y0 - offY;
            bool padded = cw != s || ch != s;
            if (padded)
            {
                cv.Fill(fill);
            }

            int rowBytes = cw * channels;
            for (int r = 0; r < ch; r++)
            {
                win.Slice(r * rowBytes, rowBytes).CopyTo(cv.Slice((((dy + r) * s) + dx) * channels, rowBytes));
            }

            Normalize(cv, channels, plane, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(canvas);
            ArrayPool<byte>.Shared.Return(window);
        }
    }

    private void Normalize(ReadOnlySpan<byte> canvas, int channels, int plane, Span<float> destination)
    {
        ReadOnlySpan<float> lut = _lut;
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<float> table = lut.Slice(c * 256, 256);
            Span<float> dst = destination.Slice(c * plane, plane);
            int srcChannel = channels == 1 ? 0 : c;
            for (int i = 0, p = srcChannel; i < plane; i++, p += channels)
            {
                dst[i] = table[canvas[p]];
            }
        }
    }
}
