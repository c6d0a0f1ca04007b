using ClipSharp.Imaging;
using ClipSharp.Tests.Fuzz;

namespace ClipSharp.Tests.Imaging;

/// <summary>What the image fuzz tests share: decode options with a small pixel limit and the decoder as a fuzz target.</summary>
internal static class ImageFuzz
{
    /// <summary>1 MP: big enough for every seed, small enough that the limit (not the machine) bounds a crafted header.</summary>
    public const long MaxPixels = 1 << 20;

    public static ImageDecodeOptions Options { get; } = new() { MaxPixels = MaxPixels };

    /// <summary>
    /// <see cref="ImageDecoder.Decode(ReadOnlySpan{byte}, string?, ImageDecodeOptions?)"/> on memory named <paramref name="name"/>:
    /// it returns an image of at most <see cref="MaxPixels"/> pixels or throws a ClipSharpException naming <paramref name="name"/>.
    /// Managed allocation stays within a few copies of the largest allowed image (pixels, orientation, conversion) plus a few
    /// copies of the input.
    /// </summary>
    public static FuzzTarget Decoder(string format, string name) => new()
    {
        Name = format + " decoder",
        Parse = data =>
        {
            ClipImage image = ImageDecoder.Decode(data, name, Options);
            if ((long)image.Width * image.Height > MaxPixels || image.Pixels.Length != image.Width * image.Height * image.Channels)
            {
                throw new InvalidOperationException($"decoded {image.Width}x{image.Height}x{image.Channels} into {image.Pixels.Length} bytes (limit {MaxPixels} pixels)");
            }
        },
        CheckRejection = ex => FuzzTarget.ClipSharpRejection(ex, name),
        AllocationBound = length => (24 * MaxPixels) + (16L * length) + (2 << 20),
    };
}
