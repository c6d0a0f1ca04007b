namespace ClipSharp.Imaging;

/// <summary>
/// What an image file's header says about it, read by <see cref="ImageProbe"/> without decoding pixels.
/// Fields the header does not give (or gives malformed) stay unknown: 0 for the size, 1 for the orientation, null
/// for the date.
/// </summary>
public sealed record ImageInfo
{
    /// <summary>The format from the magic bytes ("PNG", "JPEG", "GIF", "WebP", "BMP", "TIFF", "HEIC", "AVIF"), or null for data that is no image.</summary>
    public string? Format { get; init; }

    /// <summary>The width as stored, before <see cref="Orientation"/> is applied; 0 when unknown.</summary>
    public int Width { get; init; }

    /// <summary>The height as stored, before <see cref="Orientation"/> is applied; 0 when unknown.</summary>
    public int Height { get; init; }

    /// <summary>The EXIF orientation (1..8; 1 when there is none).</summary>
    public int Orientation { get; init; } = 1;

    /// <summary>The EXIF DateTimeOriginal (camera local time, <see cref="DateTimeKind.Unspecified"/>), or null.</summary>
    public DateTime? TakenAt { get; init; }

    /// <summary>True when the magic bytes are those of an image format (decodable or not).</summary>
    public bool IsImage => Format is not null;

    /// <summary>The MIME type of <see cref="Format"/> ("image/jpeg", ...), or null for data that is no image.</summary>
    public string? MimeType => ImageProbe.MimeType(Format);

    /// <summary>The width as displayed (after <see cref="Orientation"/>: orientations 5..8 swap the sides).</summary>
    public int DisplayWidth => Orientation >= 5 ? Height : Width;

    /// <summary>The height as displayed (after <see cref="Orientation"/>).</summary>
    public int DisplayHeight => Orientation >= 5 ? Width : Height;

    /// <summary>JPEG: the number of colour components of the frame (1 for grey); 0 for other formats.</summary>
    internal int Components { get; init; }

    /// <summary>JPEG: a progressive frame (SOF2/6/10/14), whose decode keeps every DCT coefficient in memory.</summary>
    internal bool Progressive { get; init; }
}
