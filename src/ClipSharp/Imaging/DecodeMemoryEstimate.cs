namespace ClipSharp.Imaging;

/// <summary>
/// The peak memory of decoding one image, from its header alone (no pixel is decoded), for
/// <see cref="DecodeMemoryBudget"/> reservations.
/// </summary>
/// <remarks>
/// <para>Covers the buffers of <see cref="ImageDecoder"/> that grow with the image: the decoder's copy of the encoded
/// bytes (Skia's <c>SKData</c>, the PNG decoder's IDAT stream) plus the caller's own copy; Skia's RGBA/grey output and
/// the RGB conversion that coexists with it; the PNG/TIFF decoders' sample and pixel arrays; the EXIF-rotated copy
/// (assumed whenever the format can carry an orientation and it is applied); for progressive JPEGs, libjpeg-turbo's
/// whole-image DCT coefficient buffer (2 bytes per sample, sampling factors ignored, so an upper bound); and for
/// baseline JPEGs its row buffers (64 bytes per column, a bound for 2×2-subsampled MCU rows with fancy upsampling).</para>
/// <para>Not covered: fixed-size state (Huffman and quantisation tables, zlib's window, codec objects: tens of kilobytes)
/// and the preprocessor's buffers, which <see cref="ImagePreprocessor"/> estimates (<c>WorkingBytes</c>). Sizes are bounds
/// for well-formed files; a corrupt file fails before it allocates more than its header claims.</para>
/// </remarks>
internal static class DecodeMemoryEstimate
{
    /// <summary>
    /// Estimates the decode's peak bytes and the decoded image's size and channels (as stored, before orientation).
    /// Throws <see cref="ClipSharpException"/> for unknown or corrupt headers and for images over the pixel limit.
    /// </summary>
    internal static (long PeakBytes, int Width, int Height, int Channels) Estimate(ReadOnlySpan<byte> data, ImageDecodeOptions options)
    {
        ImageInfo header = ImageProbe.Read(data);
        (int w, int h, string format) = (header.Width, header.Height, header.Format!);
        ImageDecoder.CheckPixelLimit(w, h, options);
        long encoded = data.Length;
        long pixels = (long)w * h;
        bool rotates = options.ApplyExifOrientation;
        switch (format)
        {
            case "JPEG":
            {
                (int ow, int oh) = ScaledJpegSize(w, h, options.JpegScaledDecodeMinSide);
                long outPixels = (long)ow * oh;
                bool gray = header.Components == 1;
                long libjpeg = header.Progressive ? 2L * pixels * Math.Max(1, header.Components) : 64L * w;

                // Grey: the 1-byte buffer is the image. Colour: the RGB image (3 bytes/pixel) and a strip of RGBA rows
                // it is converted from (ImageDecoder decodes colour JPEGs row by row). The orientation read from the
                // header's EXIF adds a rotated copy (Skia reads the same tag).
                bool rotated = rotates && header.Orientation is > 1 and <= 8;
                long image = outPixels * (gray ? 1 : 3);
                long strip = gray ? 0 : 4L * ow * ImageDecoder.RowStrip;
                long pixelPeak = (image * (rotated ? 2 : 1)) + strip;
                return ((2 * encoded) + libjpeg + pixelPeak, ow, oh, gray ? 1 : 3);
            }

            case "GIF" or "BMP" or "WebP":
            {
                // RGBA output, then an RGB copy when opaque (7 bytes/pixel); a transparent WebP keeps RGBA and
                // may be rotated (8). GIF and BMP carry no orientation.
                long pixelPeak = pixels * (rotates && format == "WebP" ? 8 : 7);
                return ((2 * encoded) + pixelPeak, w, h, 4);
            }

            case "PNG":
                // The IDAT stream (at most the file) and up to 4 bytes/pixel of output (grey+alpha and palettes
                // expand), doubled by a rotation (eXIf).
                return ((2 * encoded) + (pixels * 4 * (rotates ? 2 : 1)), w, h, 4);

            case "TIFF":
                // Raw samples (up to 4 bytes/pixel at 8 bits) and the converted pixels (up to 4) coexist;
                // a rotated copy of the converted pixels replaces the raw samples at most.
                return ((2 * encoded) + (pixels * 8), w, h, 4);

            default:
                throw new ClipSharpException(ClipErrorKind.UnsupportedFormat, $"unsupported image format: {format}");
        }
    }

    /// <summary>The size libjpeg-turbo decodes to with <see cref="ImageDecodeOptions.JpegScaledDecodeMinSide"/> (what Skia's scaled decode picks).</summary>
    internal static (int Width, int Height) ScaledJpegSize(int width, int height, int minSide)
    {
        if (minSide <= 0)
        {
            return (width, height);
        }

        foreach (int denominator in (ReadOnlySpan<int>)[8, 4, 2])
        {
            // jpeg_calc_output_dimensions: ceil(size / denominator).
            int sw = (width + denominator - 1) / denominator;
            int sh = (height + denominator - 1) / denominator;
            if (Math.Min(sw, sh) >= minSide)
            {
                return (sw, sh);
            }
        }

        return (width, height);
    }
}
