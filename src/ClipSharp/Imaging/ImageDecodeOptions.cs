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
}
