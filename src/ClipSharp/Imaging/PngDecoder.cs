using System.Buffers.Binary;
using System.IO.Compression;

namespace ClipSharp.Imaging;

/// <summary>
/// A complete PNG decoder (all colour types and bit depths, palette + tRNS, Adam7) that yields the pixels in
/// the mode Pillow 9.4 opens them in: 1-bit grey → bilevel (nearest-neighbour resize), 2/4-bit grey scaled to 8
/// bits, 16-bit samples reduced by <c>v &gt;&gt; 8</c> (grey included: Pillow would open 16-bit grey as mode I and
/// saturate it to white; ClipSharp deliberately scales it), palette images expanded but flagged as palette.
/// tRNS is applied only to palette images, as Pillow does when converting to RGB.
/// </summary>
internal static class PngDecoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The seven Adam7 passes as (x start, y start, x step, y step).</summary>
    private static ReadOnlySpan<int> Adam7 => [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    internal readonly record struct Header(int Width, int Height, int BitDepth, int ColorType, bool Interlaced);

    private static ClipSharpException Corrupt(string why) => new(ClipErrorKind.CorruptImage, $"truncated or corrupt image (PNG: {why})");

    internal static Header ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 33 || !data[..8].SequenceEqual(Signature))
        {
            throw Corrupt("file too short for a PNG header");
        }

        uint len = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        if (len != 13 || !data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            throw Corrupt("first chunk is not IHDR");
        }

        uint w = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        uint h = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        int depth = data[24], type = data[25], interlace = data[28];
        if (w == 0 || h == 0 || w > int.MaxValue || h > int.MaxValue)
        {
            throw Corrupt($"invalid size {w}x{h}");
        }

        bool ok = type switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!ok || data[26] != 0 || data[27] != 0 || interlace > 1)
        {
            throw Corrupt($"invalid IHDR (colour type {type}, bit depth {depth})");
        }

        return new Header((int)w, (int)h, depth, type, interlace == 1);
    }

    private static int SamplesPerPixel(int colorType) => colorType switch
    {
        0 => 1,
        2 => 3,
        3 => 1,
        4 => 2,
        _ => 4,
    };

    internal static ClipImage Decode(ReadOnlySpan<byte> data, ImageDecodeOptions options)
    {
        Header hdr = ReadHeader(data);
        ImageDecoder.CheckPixelLimit(hdr.Width, hdr.Height, options);

        // Walk the chunks: gather IDAT, PLTE, tRNS, eXIf.
        byte[]? palette = null;
        byte[]? trns = null;
        int orientation = 1;
        var idat = new MemoryStream();
        int pos = 8;
        bool sawEnd = false;
        while (pos + 8 <= data.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            long bodyEnd = (long)pos + 8 + len;
            if (len > int.MaxValue || bodyEnd + 4 > data.Length)
            {
                if (bodyEnd <= data.Length && type.SequenceEqual("IEND"u8))
                {
                    sawEnd = true;
                }

                break;
            }

            ReadOnlySpan<byte> body = data.Slice(pos + 8, (int)len);
            if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(body);
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                palette = body.ToArray();
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                trns = body.ToArray();
            }
            else if (type.SequenceEqual("eXIf"u8))
            {
                orientation = Exif.Read(body).Orientation;
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }

            pos = (int)bodyEnd + 4;
        }

        if (idat.Length == 0)
        {
            throw Corrupt("no image data");
        }

        if (hdr.ColorType == 3 && palette is null)
        {
            throw Corrupt("palette image without PLTE");
        }

        _ = sawEnd; // a missing IEND is tolerated when the image data is complete (as Pillow does)

        // Deflate expands at most 1032:1, so image data too short for the rows the header declares is refused before the
        // pixel buffer is allocated: a 100-byte file claiming 10000x10000 must not cost 400 MB first.
        int spp = SamplesPerPixel(hdr.ColorType);
        int bitsPerPixel = spp * hdr.BitDepth;
        if (idat.Length * MaxDeflateRatio < FilteredBytes(hdr, bitsPerPixel))
        {
            throw Corrupt("not enough image data");
        }

        bool isPalette = hdr.ColorType == 3 || (hdr.ColorType == 0 && hdr.BitDepth == 1);
        PixelFormat format = hdr.ColorType switch
        {
            0 => PixelFormat.Gray8,
            2 => PixelFormat.Rgb24,
            3 => trns is { Length: > 0 } ? PixelFormat.Rgba32 : PixelFormat.Rgb24,
            _ => PixelFormat.Rgba32,
        };
        int outCh = format.Channels();
        byte[] pixels = new byte[checked(hdr.Width * hdr.Height * outCh)];

        // Palette lookup table (RGBA), entries beyond PLTE are black, opaque unless tRNS says otherwise.
        byte[]? lut = null;
        if (palette is not null && hdr.ColorType == 3)
        {
            lut = new byte[256 * 4];
            for (int i = 0; i < 256; i++)
            {
                if ((i * 3) + 2 < palette.Length)
                {
                    lut[i * 4] = palette[i * 3];
                    lut[(i * 4) + 1] = palette[(i * 3) + 1];
                    lut[(i * 4) + 2] = palette[(i * 3) + 2];
                }

                lut[(i * 4) + 3] = trns is not null && i < trns.Length ? trns[i] : (byte)255;
            }
        }

        int bpp = Math.Max(1, bitsPerPixel / 8);

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        try
        {
            if (!hdr.Interlaced)
            {
                DecodePass(z, hdr, 0, 0, 1, 1, bitsPerPixel, bpp, lut, pixels, outCh);
            }
            else
            {
                ReadOnlySpan<int> adam7 = Adam7;
                for (int p = 0; p < 7; p++)
                {
                    DecodePass(z, hdr, adam7[p * 4], adam7[(p * 4) + 1], adam7[(p * 4) + 2], adam7[(p * 4) + 3], bitsPerPixel, bpp, lut, pixels, outCh);
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, "truncated or corrupt image (PNG: bad zlib data)", null, ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, "truncated or corrupt image (PNG: not enough image data)", null, ex);
        }

        return ClipImage.Create(hdr.Width, hdr.Height, format, pixels, isPalette, "PNG", orientation);
    }

    /// <summary>The largest expansion of deflate (a 258-byte match per 2 bits, plus block overhead), rounded up.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Bytes of filtered rows (a filter byte per row) the header declares, over all Adam7 passes when interlaced.</summary>
    private static long FilteredBytes(Header hdr, int bitsPerPixel)
    {
        static long Pass(long width, long height, int bitsPerPixel)
            => width <= 0 || height <= 0 ? 0 : height * ((((width * bitsPerPixel) + 7) / 8) + 1);

        if (!hdr.Interlaced)
        {
            return Pass(hdr.Width, hdr.Height, bitsPerPixel);
        }

        long total = 0;
        ReadOnlySpan<int> adam7 = Adam7;
        for (int p = 0; p < 7; p++)
        {
            int xs = adam7[p * 4], ys = adam7[(p * 4) + 1], dx = adam7[(p * 4) + 2], dy = adam7[(p * 4) + 3];
            total += Pass((hdr.Width - xs + dx - 1L) / dx, (hdr.Height - ys + dy - 1L) / dy, bitsPerPixel);
        }

        return total;
    }

    private static void DecodePass(Stream z, Header hdr, int xs, int ys, int dxStep, int dyStep, int bitsPerPixel, int bpp, byte[]? lut, byte[] pixels, int outCh)
    {
        int pw = (hdr.Width - xs + dxStep - 1) / dxStep;
        int ph = (hdr.Height - ys + dyStep - 1) / dyStep;
        if (pw <= 0 || ph <= 0)
        {
            return;
        }

        int rowBytes = (int)(((long)pw * bitsPerPixel + 7) / 8);
        byte[] prev = new byte[rowBytes];
        byte[] cur = new byte[rowBytes + 1];
        byte[] converted = new byte[pw * outCh];
        for (int r = 0; r < ph; r++)
        {
            z.ReadExactly(cur);
            Unfilter(cur[0], cur.AsSpan(1), prev, bpp);
            Span<byte> row = cur.AsSpan(1);
            ConvertRow(row, pw, hdr, lut, converted);
            int y = ys + (r * dyStep);
            if (dxStep == 1)
            {
                converted.CopyTo(pixels.AsSpan(y * hdr.Width * outCh, pw * outCh));
            }
            else
            {
                for (int i = 0; i < pw; i++)
                {
                    int x = xs + (i * dxStep);
                    converted.AsSpan(i * outCh, outCh).CopyTo(pixels.AsSpan(((y * hdr.Width) + x) * outCh, outCh));
                }
            }

            row.CopyTo(prev);
        }
    }

    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> prev, int bpp)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }

                break;
            case 2:
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] += prev[i];
                }

                break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bpp ? row[i - bpp] : 0;
                    row[i] += (byte)((left + prev[i]) >> 1);
                }

                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    int b = prev[i];
                    int c = i >= bpp ? prev[i - bpp] : 0;
                    int p = a + b - c;
                    int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    int pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    row[i] += (byte)pred;
                }

                break;
            default:
                throw Corrupt($"unknown row filter {filter}");
        }
    }

    private static void ConvertRow(ReadOnlySpan<byte> row, int count, Header hdr, byte[]? lut, Span<byte> dst)
    {
        int depth = hdr.BitDepth;
        switch (hdr.ColorType)
        {
            case 0:
                if (depth == 8)
                {
                    row[..count].CopyTo(dst);
                }
                else if (depth == 16)
                {
                    for (int i = 0; i < count; i++)
                    {
                        dst[i] = row[i * 2];
                    }
                }
                else
                {
                    int scale = depth switch { 1 => 255, 2 => 0x55, _ => 0x11 };
                    for (int i = 0; i < count; i++)
                    {
                        dst[i] = (byte)(SubByteSample(row, i, depth) * scale);
                    }
                }

                break;
            case 3:
                {
                    int outCh = dst.Length / count;
                    for (int i = 0; i < count; i++)
                    {
                        int idx = depth == 8 ? row[i] : SubByteSample(row, i, depth);
                        lut.AsSpan(idx * 4, outCh).CopyTo(dst.Slice(i * outCh, outCh));
                    }
                }

                break;
            case 2:
            case 6:
                {
                    int n = count * (hdr.ColorType == 2 ? 3 : 4);
                    if (depth == 8)
                    {
                        row[..n].CopyTo(dst);
                    }
                    else
                    {
                        for (int i = 0; i < n; i++)
                        {
                            dst[i] = row[i * 2];
                        }
                    }
                }

                break;
            default: // 4: grey + alpha → RGBA with the grey replicated
                {
                    int step = depth == 8 ? 1 : 2;
                    for (int i = 0; i < count; i++)
                    {
                        byte g = row[i * 2 * step];
                        byte a = row[((i * 2) + 1) * step];
                        dst[i * 4] = g;
                        dst[(i * 4) + 1] = g;
                        dst[(i * 4) + 2] = g;
                        dst[(i * 4) + 3] = a;
                    }
                }

                break;
        }
    }

    private static int SubByteSample(ReadOnlySpan<byte> row, int i, int depth)
    {
        int bit = i * depth;
        int shift = 8 - depth - (bit & 7);
        return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
    }
}
