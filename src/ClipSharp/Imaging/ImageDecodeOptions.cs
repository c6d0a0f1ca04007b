namespace ClipSharp.Imaging;

/// <summary>Options for <see cref="ImageDecoder"/>.</summary>
public sealed class ImageDecodeOptions
{
    /// <summary>
    /// The largest width × height accepted. Larger images are refused from their header, before any pixel
    /// buffer is allocated (<see cref="ClipErrorKind.ImageTooLarge"/>). The default is Pillow's
    /// <c>Image.MAX_IMAGE_PIXELS</c> (178,956,970).
    /// </summary>
    public long MaxPixels { get; set; } = 178_956_970;

    /// <summary>
    /// Whether to turn the image upright according to its EXIF orientation tag (default true). OpenAI's
    /// reference pipeline does not do this, so its embeddings of rotated phone photos are of the sideways
    /// picture; ClipSharp deliberately differs. Set false to reproduce the reference exactly.
    /// </summary>
    public bool ApplyExifOrientation { get; set; } = true;

    /// <summary>
    /// Fast path for large JPEGs, off (0) by default. When positive, a JPEG is decoded at 1/2, 1/4 or 1/8 scale inside
    /// the DCT (libjpeg-turbo's scaled IDCT, several times faster on multi-megapixel photos) choosing the smallest scale
    /// whose shorter side is still at least this many pixels; the exact resampler then does the rest. Pixels then differ
    /// slightly from Pillow's (see docs/performance.md for the measured cost); leave 0 for bit-exact reference parity.
    /// <see cref="ClipModelOptions.FastJpegDecode"/> sets it to twice the model's input size.
    /// </summary>
    public int JpegScaledDecodeMinSide { get; set; }

    /// <summary>
    /// Internal (the file pipeline and the server, which preprocess and drop the image at once): pixels of
    /// Skia-decoded and EXIF-rotated images go into native memory (<see cref="NativePixels"/>) freed by
    /// <see cref="ImageDecoder.ReleasePixels"/>, so multi-megapixel photos neither leave large-object-heap garbage
    /// behind nor stay cached in a pool after use.
    /// </summary>
    internal bool ReleasablePixels { get; init; }

    internal ImageDecodeOptions With(int jpegScaledDecodeMinSide, bool releasablePixels = false) => new()
    {
        MaxPixels = MaxPixels,
        ApplyExifOrientation = ApplyExifOrientation,
        JpegScaledDecodeMinSide = jpegScaledDecodeMinSide,
        ReleasablePixels = releasablePixels,
    };
}
