namespace ClipSharp.Imaging;

/// <summary>
/// A decoded image as Pillow would hold it before CLIP preprocessing: 8-bit, channel-interleaved pixels in
/// grey, RGB or RGBA (straight alpha), already turned upright by its EXIF orientation (unless disabled in
/// <see cref="ImageDecodeOptions"/>; OpenAI's reference pipeline does not apply the orientation).
/// </summary>
/// <remarks>
/// Alpha is kept. Preprocessing follows Pillow: RGBA is resized premultiplied and the alpha is dropped
/// afterwards, so fully transparent pixels contribute the RGB stored under them (what <c>convert("RGB")</c> gives),
/// not a composite on white or black.
/// </remarks>
public sealed class ClipImage
{
    private ClipImage(int width, int height, PixelFormat format, ReadOnlyMemory<byte> pixels, bool isPalette, string sourceFormat, int orientation)
    {
        Width = width;
        Height = height;
        Format = format;
        Pixels = pixels;
        IsPalette = isPalette;
        SourceFormat = sourceFormat;
        Orientation = orientation;
    }

    /// <summary>Width in pixels (after orientation).</summary>
    public int Width { get; }

    /// <summary>Height in pixels (after orientation).</summary>
    public int Height { get; }

    /// <summary>The pixel layout.</summary>
    public PixelFormat Format { get; }

    /// <summary>
    /// True when the image was decoded from an indexed (palette) or bilevel image (PNG palette or 1-bit, GIF).
    /// Pillow holds those in mode <c>P</c>/<c>1</c> and resizes them nearest-neighbour, and so does the preprocessor.
    /// </summary>
    public bool IsPalette { get; }

    /// <summary><see cref="Height"/> rows of <see cref="Width"/> × channels bytes, without padding.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }

    /// <summary>The container the image came from: "PNG", "JPEG", "WebP", "GIF", "BMP", "TIFF", or "raw".</summary>
    public string SourceFormat { get; }

    /// <summary>The EXIF orientation (1..8) that was applied to reach this upright image; 1 means none.</summary>
    public int Orientation { get; }

    /// <summary>Number of bytes per pixel.</summary>
    public int Channels => Format.Channels();

    /// <summary>The native buffer behind <see cref="Pixels"/> when decoded with releasable pixels; freed after preprocessing.</summary>
    internal IDisposable? PixelOwner { get; set; }

    /// <summary>Wraps raw pixels (no copy). Throws <see cref="ClipSharpException"/> (<see cref="ClipErrorKind.InvalidInput"/>) if the sizes do not match.</summary>
    public static ClipImage FromPixels(int width, int height, PixelFormat format, ReadOnlyMemory<byte> pixels)
        => Create(width, height, format, pixels, false, "raw", 1);

    internal static ClipImage Create(int width, int height, PixelFormat format, ReadOnlyMemory<byte> pixels, bool isPalette, string sourceFormat, int orientation)
    {
        if (format is not (PixelFormat.Gray8 or PixelFormat.Rgb24 or PixelFormat.Rgba32))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"unknown pixel format {(int)format}");
        }

        if (width <= 0 || height <= 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"image size must be positive, got {width}x{height}");
        }

        long expected = (long)width * height * format.Channels();
        if (pixels.Length != expected)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"a {width}x{height} {format} image needs {expected} bytes, got {pixels.Length}");
        }

        return new ClipImage(width, height, format, pixels, isPalette, sourceFormat, orientation);
    }
}
