namespace ClipSharp.Imaging;

/// <summary>Layout of the 8-bit, channel-interleaved pixels of a <see cref="ClipImage"/>.</summary>
public enum PixelFormat
{
    /// <summary>One byte per pixel: grey level (Pillow mode <c>L</c>).</summary>
    Gray8,

    /// <summary>Three bytes per pixel: red, green, blue (Pillow mode <c>RGB</c>).</summary>
    Rgb24,

    /// <summary>Four bytes per pixel: red, green, blue, straight (not premultiplied) alpha (Pillow mode <c>RGBA</c>).</summary>
    Rgba32,
}

/// <summary>Helpers for <see cref="PixelFormat"/>.</summary>
internal static class PixelFormatExtensions
{
    /// <summary>Bytes per pixel of <paramref name="format"/>.</summary>
    public static int Channels(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Rgb24 => 3,
        PixelFormat.Rgba32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };
}
