using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

using SkiaSharp;

namespace ClipSharp.Imaging;

/// <summary>
/// Decodes image files into <see cref="ClipImage"/>s holding what Pillow 9.4 would hold after <c>Image.open</c>.
/// The format is sniffed from the magic bytes, never the file name. PNG is decoded by ClipSharp's own decoder;
/// JPEG (decoded by libjpeg-turbo, byte-identical to Pillow), WebP, GIF (first frame) and BMP through SkiaSharp.
/// Baseline 8-bit TIFF (none/LZW/PackBits/Deflate) is decoded by ClipSharp; other TIFF variants, HEIC and AVIF are
/// refused with <see cref="ClipErrorKind.UnsupportedFormat"/> ("unsupported image format: X").
/// </summary>
/// <remarks>
/// <para>Sizes are read from the header and checked against <see cref="ImageDecodeOptions.MaxPixels"/> before any
/// pixel buffer is allocated, so decompression bombs fail fast with <see cref="ClipErrorKind.ImageTooLarge"/>.</para>
/// <para>EXIF orientation is applied by default (all eight values), so the result is upright. OpenAI's reference
/// pipeline does not do this; set <see cref="ImageDecodeOptions.ApplyExifOrientation"/> to false to match it.</para>
/// <para>Pixel modes follow Pillow: grey stays one channel, RGBA keeps its (straight) alpha, palette PNG/GIF/BMP and
/// 1-bit PNG are expanded but flagged <see cref="ClipImage.IsPalette"/> (Pillow resizes them nearest-neighbour).
/// 16-bit PNG samples become 8-bit by <c>v &gt;&gt; 8</c>; for 16-bit grey this deliberately differs from Pillow, which
/// opens it as mode <c>I</c> and saturates it to white in <c>convert("RGB")</c>. CMYK/YCCK JPEGs are converted to RGB
/// by Skia (close to, not bit-identical with, Pillow's CMYK handling).</para>
/// <para>Truncated images are refused (<see cref="ClipErrorKind.CorruptImage"/>), never returned half grey. Colour
/// profiles are ignored, as Pillow ignores them. Every failure is a <see cref="ClipSharpException"/> naming the input.</para>
/// </remarks>
public static class ImageDecoder
{
    private const string MemoryName = "<image data>";
    private static readonly float[] s_jpegScales = [0.125f, 0.25f, 0.5f];

    /// <summary>Rows decoded at a time into the RGBA strip that colour JPEGs are converted to RGB from.</summary>
    internal const int RowStrip = 16;

    /// <summary>Decodes the image file at <paramref name="path"/>. Errors name the path.</summary>
    public static ClipImage Decode(string path, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data = ReadFile(path);
        return Decode(data, path, options);
    }

    /// <summary>Decodes an encoded image held in memory. <paramref name="name"/> is used in error messages.</summary>
    public static ClipImage Decode(ReadOnlySpan<byte> data, string? name = null, ImageDecodeOptions? options = null)
    {
        string input = name ?? MemoryName;
        options ??= new ImageDecodeOptions();
        try
        {
            return DecodeCore(data, options);
        }
        catch (ClipSharpException ex)
        {
            throw ex.Input is null ? new ClipSharpException(ex.Kind, ex.Detail, input, ex.InnerException) : ex;
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or InvalidDataException or EndOfStreamException)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({ex.Message})", input, ex);
        }
    }

    /// <summary>Decodes an encoded image read to the end of <paramref name="stream"/>. <paramref name="name"/> is used in error messages.</summary>
    public static ClipImage Decode(Stream stream, string? name = null, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] data;
        try
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            data = ms.ToArray();
        }
        catch (IOException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Io, $"cannot read image stream: {ex.Message}", name ?? MemoryName, ex);
        }

        return Decode(data, name, options);
    }

    /// <summary>
    /// Identifies the format from the first bytes: "PNG", "JPEG", "GIF", "WebP", "BMP", "TIFF", "HEIC", "AVIF",
    /// or null when unknown (<see cref="ImageProbe.SniffFormat"/>).
    /// </summary>
    public static string? SniffFormat(ReadOnlySpan<byte> header) => ImageProbe.SniffFormat(header);

    /// <summary>
    /// Reads width, height and format from the header only, without decoding pixels (for bomb checks and metadata).
    /// The size is as stored, before EXIF orientation. Throws <see cref="ClipSharpException"/> naming the path.
    /// </summary>
    public static (int Width, int Height, string Format) ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] prefix;
        long length;
        ThrowIfFolder(path);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            length = fs.Length;
            prefix = new byte[(int)Math.Min(length, 256 * 1024)];
            fs.ReadExactly(prefix);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ClipSharpException(ClipErrorKind.Io, $"cannot read file: {ex.Message}", path, ex);
        }

        try
        {
            return ReadHeaderCore(prefix);
        }
        catch (ClipSharpException ex) when (ex.Kind == ClipErrorKind.CorruptImage && prefix.Length < length)
        {
            // The header lies beyond the prefix (e.g. huge JPEG APP segments): retry on the whole file.
            return ReadHeaderCore(ReadFile(path));
        }
        catch (ClipSharpException ex)
        {
            throw ex.Input is null ? new ClipSharpException(ex.Kind, ex.Detail, path, ex.InnerException) : ex;
        }
    }

    internal static (int Width, int Height, string Format) ReadHeaderCore(ReadOnlySpan<byte> data)
    {
        ImageInfo info = ImageProbe.Read(data);
        return (info.Width, info.Height, info.Format!);
    }

    internal static byte[] ReadFile(string path)
    {
        ThrowIfFolder(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Io, "file not found", path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ClipSharpException(ClipErrorKind.Io, $"cannot read file: {ex.Message}", path, ex);
        }
    }

    /// <summary>A folder is named as one (opening it would say "access denied", which misleads).</summary>
    private static void ThrowIfFolder(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "is a folder, not an image file", path);
        }
    }

    internal static void CheckPixelLimit(long width, long height, ImageDecodeOptions options)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image (invalid size {width}x{height})");
        }

        long pixels = width * height;
        if (pixels > options.MaxPixels)
        {
            throw new ClipSharpException(
                ClipErrorKind.ImageTooLarge,
                $"image is {width}x{height} = {pixels:N0} pixels, more than the limit of {options.MaxPixels:N0} (possible decompression bomb)");
        }
    }

    private static ClipImage DecodeCore(ReadOnlySpan<byte> data, ImageDecodeOptions options)
    {
        ImageInfo header = ImageProbe.Read(data);
        ClipImage image;
        switch (header.Format)
        {
            case "PNG":
                image = PngDecoder.Decode(data, options);
                break;
            case "TIFF":
                image = TiffDecoder.Decode(data, options);
                break;
            default:
            {
                // JPEG, GIF, WebP and BMP through Skia: the header's size is checked before Skia allocates anything.
                string format = header.Format!;
                CheckPixelLimit(header.Width, header.Height, options);
                PixelFormat? forced = format == "JPEG" ? (header.Components == 1 ? PixelFormat.Gray8 : PixelFormat.Rgb24) : null;
                bool isPalette = format == "GIF" || (format == "BMP" && (data.Length >= 30 ? BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) : 24) <= 8);
                image = DecodeWithSkia(data, format, options, forced, isPalette);
                break;
            }
        }

        if (options.ApplyExifOrientation && image.Orientation is > 1 and <= 8)
        {
            try
            {
                int length = image.Pixels.Length;
                if (options.ReleasablePixels)
                {
                    var native = new NativePixels(length);
                    try
                    {
                        (int ow, int oh) = Exif.Apply(image.Pixels.Span, native.GetSpan(), image.Width, image.Height, image.Channels, image.Orientation);
                        var rotated = ClipImage.Create(ow, oh, image.Format, native.Memory, image.IsPalette, image.SourceFormat, image.Orientation);
                        rotated.PixelOwner = native;
                        return rotated;
                    }
                    catch
                    {
                        ((IDisposable)native).Dispose();
                        throw;
                    }
                }

                (byte[] px, int w, int h) = Exif.Apply(image.Pixels.Span, image.Width, image.Height, image.Channels, image.Orientation);
                return ClipImage.Create(w, h, image.Format, px, image.IsPalette, image.SourceFormat, image.Orientation);
            }
            finally
            {
                ReleasePixels(image);
            }
        }

        if (image.Orientation == 1)
        {
            return image;
        }

        var upright = ClipImage.Create(image.Width, image.Height, image.Format, image.Pixels, image.IsPalette, image.SourceFormat, 1);
        upright.PixelOwner = image.PixelOwner;
        return upright;
    }

    /// <summary>
    /// Frees the native pixels of an image decoded with <see cref="ImageDecodeOptions.ReleasablePixels"/> (nothing for
    /// managed ones); the image must not be used afterwards.
    /// </summary>
    internal static void ReleasePixels(ClipImage image)
    {
        IDisposable? owner = image.PixelOwner;
        image.PixelOwner = null;
        owner?.Dispose();
    }

    private static unsafe ClipImage DecodeWithSkia(ReadOnlySpan<byte> data, string format, ImageDecodeOptions options, PixelFormat? forced, bool isPalette)
    {
        using SKData skData = SKData.CreateCopy(data);
#pragma warning disable CA2000 // the codec takes ownership of the stream
        using SKCodec? codec = SKCodec.Create(new SKMemoryStream(skData), out SKCodecResult createResult);
#pragma warning restore CA2000
        if (codec is null)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({format}: {createResult})");
        }

        SKImageInfo info = codec.Info;
        CheckPixelLimit(info.Width, info.Height, options);
        int w = info.Width, h = info.Height;
        if (format == "JPEG" && options.JpegScaledDecodeMinSide > 0)
        {
            // DCT-domain downscale: the smallest of 1/8, 1/4, 1/2 that keeps the shorter side >= the minimum.
            foreach (float scale in s_jpegScales)
            {
                SKSizeI scaled = codec.GetScaledDimensions(scale);
                if (scaled.Width > 0 && scaled.Height > 0 && Math.Min(scaled.Width, scaled.Height) >= options.JpegScaledDecodeMinSide)
                {
                    w = scaled.Width;
                    h = scaled.Height;
                    break;
                }
            }
        }

        if (forced == PixelFormat.Rgb24 && codec.ScanlineOrder == SKCodecScanlineOrder.TopDown)
        {
            var rowInfo = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
            SKCodecResult start = codec.StartScanlineDecode(rowInfo);
            if (start != SKCodecResult.Success)
            {
                throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({format}: {start})");
            }

            return DecodeRgbByRows(codec, rowInfo, format, isPalette, options.ReleasablePixels);
        }

        bool gray = forced == PixelFormat.Gray8;
        var dstInfo = new SKImageInfo(w, h, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray || forced == PixelFormat.Rgb24 ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        int bpp = gray ? 1 : 4;
        int rawLength = checked(w * h * bpp);

        // Opaque RGB (forced) is only a scratch buffer for the RGBA -> RGB conversion: native memory, freed below.
        // Otherwise the raw buffer may become the image's pixels: native only when the caller releases them.
        bool scratch = forced == PixelFormat.Rgb24;
        NativePixels? native = scratch || options.ReleasablePixels ? new NativePixels(rawLength) : null;
        Memory<byte> raw = native is null ? GC.AllocateUninitializedArray<byte>(rawLength) : native.Memory;
        ClipImage? image = null;
        try
        {
            SKCodecResult result;
            using (System.Buffers.MemoryHandle pin = raw.Pin())
            {
                result = codec.GetPixels(dstInfo, (IntPtr)pin.Pointer, new SKCodecOptions(0));
            }

            if (result != SKCodecResult.Success)
            {
                throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({format}: {result})");
            }

            image = FromSkiaPixels(raw, native, w, h, gray, forced, isPalette, format, (int)codec.EncodedOrigin, options.ReleasablePixels);
            return image;
        }
        finally
        {
            if (native is not null && !ReferenceEquals(image?.PixelOwner, native))
            {
                ((IDisposable)native).Dispose();
            }
        }
    }

    /// <summary>
    /// Opaque colour (JPEG): decodes <see cref="RowStrip"/> rows at a time into a small RGBA strip and converts them
    /// straight into the RGB image, so the peak is the RGB image (3 bytes/pixel), not a whole RGBA copy beside it (7).
    /// libjpeg-turbo produces the same rows as a whole-image decode (Skia reads rows through the same path for both).
    /// </summary>
    private static unsafe ClipImage DecodeRgbByRows(SKCodec codec, SKImageInfo rowInfo, string format, bool isPalette, bool releasable)
    {
        int w = rowInfo.Width, h = rowInfo.Height;
        int orientation = (int)codec.EncodedOrigin;
        if (orientation is < 1 or > 8)
        {
            orientation = 1;
        }

        using var strip = new NativePixels(checked(w * 4 * RowStrip));
        int rgbLength = checked(w * h * 3);
        NativePixels? native = releasable ? new NativePixels(rgbLength) : null;
        try
        {
            Memory<byte> rgb = native is null ? GC.AllocateUninitializedArray<byte>(rgbLength) : native.Memory;
            using (System.Buffers.MemoryHandle stripPin = strip.Pin())
            using (System.Buffers.MemoryHandle rgbPin = rgb.Pin())
            {
                for (int y = 0; y < h; y += RowStrip)
                {
                    int n = Math.Min(RowStrip, h - y);
                    int decoded = codec.GetScanlines((IntPtr)stripPin.Pointer, n, w * 4);
                    if (decoded != n)
                    {
                        throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({format}: {SKCodecResult.IncompleteInput})");
                    }

                    RgbaToRgb((byte*)stripPin.Pointer, (byte*)rgbPin.Pointer + ((long)y * w * 3), (long)n * w);
                }
            }

            var image = ClipImage.Create(w, h, PixelFormat.Rgb24, rgb, isPalette, format, orientation);
            image.PixelOwner = native;
            return image;
        }
        catch
        {
            ((IDisposable?)native)?.Dispose();
            throw;
        }
    }

    /// <summary>Drops the alpha byte of <paramref name="pixels"/> RGBA pixels.</summary>
    private static unsafe void RgbaToRgb(byte* s, byte* d, long pixels)
    {
        byte* end = d + (pixels * 3);
        if (Vector128.IsHardwareAccelerated)
        {
            // 4 RGBA pixels -> 12 RGB bytes per step (one byte shuffle); the 16-byte store's last 4 bytes are
            // overwritten by the next step, so stop while a whole 16-byte store still fits.
            Vector128<byte> mask = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
            while (d + 16 <= end)
            {
                Vector128.Store(Vector128.ShuffleNative(Vector128.Load(s), mask), d);
                d += 12;
                s += 16;
            }
        }

        while (d < end)
        {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
            d += 3;
            s += 4;
        }
    }

    private static unsafe ClipImage FromSkiaPixels(Memory<byte> raw, NativePixels? rawOwner, int w, int h, bool gray, PixelFormat? forced, bool isPalette, string format, int orientation, bool releasable)
    {
        if (orientation is < 1 or > 8)
        {
            orientation = 1;
        }

        ClipImage image;
        if (gray)
        {
            image = ClipImage.Create(w, h, PixelFormat.Gray8, raw, isPalette, format, orientation);
            image.PixelOwner = rawOwner;
            return image;
        }

        bool opaque = forced == PixelFormat.Rgb24 || !HasTransparency(raw.Span);
        if (!opaque)
        {
            image = ClipImage.Create(w, h, PixelFormat.Rgba32, raw, isPalette, format, orientation);
            image.PixelOwner = rawOwner;
            return image;
        }

        int rgbLength = checked(w * h * 3);
        NativePixels? native = releasable ? new NativePixels(rgbLength) : null;
        try
        {
            Memory<byte> rgb = native is null ? GC.AllocateUninitializedArray<byte>(rgbLength) : native.Memory;
            using (System.Buffers.MemoryHandle sourcePin = raw.Pin())
            using (System.Buffers.MemoryHandle destinationPin = rgb.Pin())
            {
                RgbaToRgb((byte*)sourcePin.Pointer, (byte*)destinationPin.Pointer, (long)w * h);
            }

            image = ClipImage.Create(w, h, PixelFormat.Rgb24, rgb, isPalette, format, orientation);
            image.PixelOwner = native;
            return image;
        }
        catch
        {
            ((IDisposable?)native)?.Dispose();
            throw;
        }
    }

    private static bool HasTransparency(ReadOnlySpan<byte> rgba)
    {
        ReadOnlySpan<uint> px = MemoryMarshal.Cast<byte, uint>(rgba);
        uint alphaMask = BitConverter.IsLittleEndian ? 0xFF000000u : 0x000000FFu;
        foreach (uint v in px)
        {
            if ((v & alphaMask) != alphaMask)
            {
                return true;
            }
        }

        return false;
    }
}
