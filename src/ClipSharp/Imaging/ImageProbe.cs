using System.Buffers.Binary;

namespace ClipSharp.Imaging;

/// <summary>
/// Reads what an image file's first bytes say: its format (magic bytes, never the file name), MIME type, pixel size,
/// EXIF orientation and date taken, without decoding pixels. The one place that knows these headers: the decoder
/// (its bomb check), the decode memory estimate, the indexer and the server all read them here.
/// </summary>
/// <remarks>
/// <see cref="Probe"/> tolerates anything (a cut or malformed header leaves fields unknown) and suits a prefix of
/// <see cref="HeaderBytes"/>; the decoder's own reading refuses what it cannot size with a <see cref="ClipSharpException"/>.
/// Sizes are read for PNG, JPEG (the first frame header, after any EXIF APP1 segment), GIF, WebP (VP8, VP8L, VP8X),
/// BMP (the 12-byte OS/2 header and the larger Windows ones) and TIFF (the first directory); HEIC and AVIF are
/// recognised, not sized. Orientation and date come from JPEG EXIF; the orientation also from a TIFF's directory.
/// </remarks>
public static class ImageProbe
{
    /// <summary>How many leading bytes <see cref="Probe"/> needs for the headers it reads (EXIF segments included).</summary>
    public const int HeaderBytes = 256 * 1024;

    private static readonly HashSet<string> s_imageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".dib", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif",
    };

    /// <summary>
    /// True for file names that claim to be images. Never used to identify a file (its bytes do that); only to decide
    /// whether a file that is no image is worth reporting, or whether a word is meant as a path.
    /// </summary>
    public static bool HasImageExtension(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return s_imageExtensions.Contains(Path.GetExtension(path));
    }

    /// <summary>
    /// Identifies the format from the first bytes: "PNG", "JPEG", "GIF", "WebP", "BMP", "TIFF", "HEIC", "AVIF",
    /// or null when unknown. Only magic bytes are used; 16 bytes are enough except for a generic HEIF brand
    /// (mif1/msf1), whose compatible brands (up to 64 bytes) tell AVIF from HEIC.
    /// </summary>
    public static string? SniffFormat(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 8 && header[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "PNG";
        }

        if (header.Length >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF)
        {
            return "JPEG";
        }

        if (header.Length >= 6 && (header[..6].SequenceEqual("GIF87a"u8) || header[..6].SequenceEqual("GIF89a"u8)))
        {
            return "GIF";
        }

        if (header.Length >= 12 && header[..4].SequenceEqual("RIFF"u8) && header.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return "WebP";
        }

        if (header.Length >= 14 && header[0] == 'B' && header[1] == 'M')
        {
            return "BMP";
        }

        if (header.Length >= 4 && (header[..4].SequenceEqual("II*\0"u8) || header[..4].SequenceEqual("MM\0*"u8)))
        {
            return "TIFF";
        }

        if (header.Length >= 12 && header.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            ReadOnlySpan<byte> brand = header.Slice(8, 4);
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8))
            {
                return "AVIF";
            }

            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8)
                || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8))
            {
                // mif1/msf1 are generic HEIF brands: look for an AV1 brand among the compatible ones.
                uint boxLen = BinaryPrimitives.ReadUInt32BigEndian(header);
                int end = (int)Math.Min(boxLen, (uint)header.Length);
                for (int i = 16; i + 4 <= end; i += 4)
                {
                    if (header.Slice(i, 4).SequenceEqual("avif"u8))
                    {
                        return "AVIF";
                    }
                }

                return "HEIC";
            }
        }

        return null;
    }

    /// <summary>The MIME type of a format named by <see cref="SniffFormat"/>, or null for null or an unknown name.</summary>
    public static string? MimeType(string? format) => format switch
    {
        "PNG" => "image/png",
        "JPEG" => "image/jpeg",
        "GIF" => "image/gif",
        "WebP" => "image/webp",
        "BMP" => "image/bmp",
        "TIFF" => "image/tiff",
        "HEIC" => "image/heic",
        "AVIF" => "image/avif",
        _ => null,
    };

    /// <summary>
    /// Reads the header of an image held in <paramref name="header"/> (the whole file or its first
    /// <see cref="HeaderBytes"/>). Never throws for bad data: what cannot be read stays unknown, and data that is no
    /// image gives a null <see cref="ImageInfo.Format"/>.
    /// </summary>
    public static ImageInfo Probe(ReadOnlySpan<byte> header)
    {
        string? format = SniffFormat(header);
        if (format is null)
        {
            return new ImageInfo();
        }

        if (format == "JPEG")
        {
            // A frame header beyond the prefix still leaves the EXIF read before it.
            JpegHeader.TryRead(header, out JpegHeader jpeg, out _);
            return FromJpeg(jpeg);
        }

        try
        {
            return Read(header, format);
        }
        catch (ClipSharpException)
        {
            return new ImageInfo { Format = format };
        }
    }

    /// <summary>
    /// The decoder's reading: the format and size of <paramref name="data"/>, or a <see cref="ClipSharpException"/>
    /// (UnknownFormat for no image, UnsupportedFormat for HEIC/AVIF, CorruptImage for a header it cannot size).
    /// </summary>
    internal static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ClipSharpException(ClipErrorKind.UnknownFormat, "empty file");
        }

        string format = SniffFormat(data[..Math.Min(data.Length, 64)])
            ?? throw new ClipSharpException(ClipErrorKind.UnknownFormat, "unknown image format");
        return Read(data, format);
    }

    private static ImageInfo Read(ReadOnlySpan<byte> data, string format)
    {
        switch (format)
        {
            case "JPEG":
                return FromJpeg(JpegHeader.Read(data));
            case "PNG":
            {
                PngDecoder.Header h = PngDecoder.ReadHeader(data);
                return new ImageInfo { Format = format, Width = h.Width, Height = h.Height };
            }

            case "TIFF":
            {
                (int w, int h, int orientation) = TiffDecoder.ReadSize(data);
                return new ImageInfo { Format = format, Width = w, Height = h, Orientation = orientation };
            }

            default:
            {
                (int w, int h) = format switch
                {
                    "GIF" => GifSize(data),
                    "WebP" => WebPSize(data),
                    "BMP" => BmpSize(data),
                    _ => throw new ClipSharpException(ClipErrorKind.UnsupportedFormat, $"unsupported image format: {format}"),
                };
                return new ImageInfo { Format = format, Width = w, Height = h };
            }
        }
    }

    private static ImageInfo FromJpeg(JpegHeader j) => new()
    {
        Format = "JPEG",
        Width = j.Width,
        Height = j.Height,
        Orientation = j.Orientation,
        TakenAt = j.TakenAt,
        Components = j.Components,
        Progressive = j.Progressive,
    };

    private static ClipSharpException Truncated(string format) => new(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({format} header)");

    private static (int, int) GifSize(ReadOnlySpan<byte> d)
        => d.Length < 10 ? throw Truncated("GIF") : (BinaryPrimitives.ReadUInt16LittleEndian(d[6..]), BinaryPrimitives.ReadUInt16LittleEndian(d[8..]));

    private static (int, int) BmpSize(ReadOnlySpan<byte> d)
    {
        if (d.Length < 26)
        {
            throw Truncated("BMP");
        }

        // BITMAPCOREHEADER (OS/2, 12 bytes): 16-bit sizes. The Windows headers (40 bytes and up): 32-bit, signed
        // (a negative height is a top-down image).
        uint dib = BinaryPrimitives.ReadUInt32LittleEndian(d[14..]);
        if (dib == 12)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(d[18..]), BinaryPrimitives.ReadUInt16LittleEndian(d[20..]));
        }

        int w = BinaryPrimitives.ReadInt32LittleEndian(d[18..]);
        int h = BinaryPrimitives.ReadInt32LittleEndian(d[22..]);
        if (w == int.MinValue)
        {
            throw Truncated("BMP");
        }

        return (Math.Abs(w), h == int.MinValue ? int.MaxValue : Math.Abs(h));
    }

    private static (int, int) WebPSize(ReadOnlySpan<byte> d)
    {
        if (d.Length < 30)
        {
            throw Truncated("WebP");
        }

        ReadOnlySpan<byte> chunk = d.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8))
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(d[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(d[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8))
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(d[21..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }

        if (chunk.SequenceEqual("VP8X"u8))
        {
            int w = 1 + (d[24] | (d[25] << 8) | (d[26] << 16));
            int h = 1 + (d[27] | (d[28] << 8) | (d[29] << 16));
            return (w, h);
        }

        throw Truncated("WebP");
    }
}
