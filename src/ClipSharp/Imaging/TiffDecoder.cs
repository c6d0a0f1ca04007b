using System.Buffers.Binary;
using System.IO.Compression;

namespace ClipSharp.Imaging;

/// <summary>
/// A baseline TIFF decoder for the common 8-bit cases, decoded exactly (lossless): first image only, strips,
/// chunky samples, compression none / LZW / PackBits / Deflate, horizontal predictor; grey (BlackIsZero or
/// WhiteIsZero), RGB, RGB + unassociated alpha, grey + alpha, and palette. Anything else (tiles, planar layout,
/// 16-bit or bilevel samples, CMYK, YCbCr, JPEG compression) is refused with "unsupported image format: TIFF (…)".
/// </summary>
internal static class TiffDecoder
{
    private sealed class Ifd
    {
        public int Width;
        public int Height;
        public int[] BitsPerSample = [1];
        public int Compression = 1;
        public int Photometric = -1;
        public long[] StripOffsets = [];
        public long[] StripByteCounts = [];
        public int SamplesPerPixel = 1;
        public int RowsPerStrip = int.MaxValue;
        public int PlanarConfig = 1;
        public int Predictor = 1;
        public int[] ColorMap = [];
        public int[] ExtraSamples = [];
        public int Orientation = 1;
        public bool Tiled;
    }

    private static ClipSharpException Corrupt(string why) => new(ClipErrorKind.CorruptImage, $"truncated or corrupt image (TIFF: {why})");

    private static ClipSharpException Unsupported(string what) => new(ClipErrorKind.UnsupportedFormat, $"unsupported image format: TIFF ({what})");

    /// <summary>The size and orientation (1..8, else 1) in the first directory; CorruptImage when it has no size.</summary>
    internal static (int Width, int Height, int Orientation) ReadSize(ReadOnlySpan<byte> data)
    {
        Ifd ifd = ReadIfd(data);
        return (ifd.Width, ifd.Height, ifd.Orientation is >= 1 and <= 8 ? ifd.Orientation : 1);
    }

    private static Ifd ReadIfd(ReadOnlySpan<byte> d)
    {
        if (d.Length < 8)
        {
            throw Corrupt("file too short");
        }

        bool le = d[0] == 'I';
        uint off = U32(d, le, 4);
        if (off < 8 || off >= d.Length)
        {
            throw Corrupt("bad directory offset");
        }

        var ifd = new Ifd();
        int n = (int)U16(d, le, (int)off);
        for (int i = 0; i < n; i++)
        {
            int e = (int)off + 2 + (i * 12);
            int tag = (int)U16(d, le, e);
            int type = (int)U16(d, le, e + 2);
            uint count = U32(d, le, e + 4);
            int size = type switch { 1 or 2 or 6 or 7 => 1, 3 or 8 => 2, 4 or 9 or 11 => 4, 5 or 10 or 12 => 8, _ => 0 };
            if (size == 0 || count > int.MaxValue / 8 || (type != 3 && type != 4 && type != 1 && tag is not (282 or 283)))
            {
                if (tag is 256 or 257 or 273 or 279)
                {
                    throw Corrupt($"tag {tag} has unexpected type {type}");
                }

                continue;
            }

            long bytes = (long)count * size;
            int valueAt = bytes <= 4 ? e + 8 : (int)U32(d, le, e + 8);
            if (valueAt < 0 || valueAt + bytes > d.Length)
            {
                throw Corrupt($"tag {tag} points outside the file");
            }

            switch (tag)
            {
                case 256: ifd.Width = (int)Math.Min(Value(d, le, type, valueAt, 0), int.MaxValue); break;
                case 257: ifd.Height = (int)Math.Min(Value(d, le, type, valueAt, 0), int.MaxValue); break;
                case 258: ifd.BitsPerSample = [.. Values(d, le, type, valueAt, count).Select(v => (int)v)]; break;
                case 259: ifd.Compression = (int)Value(d, le, type, valueAt, 0); break;
                case 262: ifd.Photometric = (int)Value(d, le, type, valueAt, 0); break;
                case 273: ifd.StripOffsets = Values(d, le, type, valueAt, count); break;
                case 274: ifd.Orientation = (int)Value(d, le, type, valueAt, 0); break;
                case 277: ifd.SamplesPerPixel = (int)Value(d, le, type, valueAt, 0); break;
                case 278: ifd.RowsPerStrip = (int)Math.Min(Value(d, le, type, valueAt, 0), int.MaxValue); break;
                case 279: ifd.StripByteCounts = Values(d, le, type, valueAt, count); break;
                case 284: ifd.PlanarConfig = (int)Value(d, le, type, valueAt, 0); break;
                case 317: ifd.Predictor = (int)Value(d, le, type, valueAt, 0); break;
                case 320: ifd.ColorMap = [.. Values(d, le, type, valueAt, count).Select(v => (int)v)]; break;
                case 322 or 323 or 324 or 325: ifd.Tiled = true; break;
                case 338: ifd.ExtraSamples = [.. Values(d, le, type, valueAt, count).Select(v => (int)v)]; break;
            }
        }

        if (ifd.Width <= 0 || ifd.Height <= 0)
        {
            throw Corrupt("missing image size");
        }

        return ifd;
    }

    private static uint U16(ReadOnlySpan<byte> d, bool le, int at)
        => at >= 0 && at + 2 <= d.Length
            ? (le ? BinaryPrimitives.ReadUInt16LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt16BigEndian(d[at..]))
            : throw Corrupt("directory outside the file");

    private static uint U32(ReadOnlySpan<byte> d, bool le, int at)
        => at >= 0 && at + 4 <= d.Length
            ? (le ? BinaryPrimitives.ReadUInt32LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt32BigEndian(d[at..]))
            : throw Corrupt("directory outside the file");

    private static long Value(ReadOnlySpan<byte> d, bool le, int type, int valueAt, int k) => type switch
    {
        1 => d[valueAt + k],
        3 => U16(d, le, valueAt + (k * 2)),
        _ => U32(d, le, valueAt + (k * 4)),
    };

    private static long[] Values(ReadOnlySpan<byte> d, bool le, int type, int valueAt, uint count)
    {
        long[] v = new long[count];
        for (int k = 0; k < v.Length; k++)
        {
            v[k] = Value(d, le, type, valueAt, k);
        }

        return v;
    }

    internal static ClipImage Decode(ReadOnlySpan<byte> data, ImageDecodeOptions options)
    {
        Ifd ifd = ReadIfd(data);
        ImageDecoder.CheckPixelLimit(ifd.Width, ifd.Height, options);

        if (ifd.Tiled)
        {
            throw Unsupported("tiled");
        }

        if (ifd.PlanarConfig != 1 && ifd.SamplesPerPixel > 1)
        {
            throw Unsupported("planar");
        }

        if (ifd.BitsPerSample.Any(b => b != 8))
        {
            throw Unsupported($"{ifd.BitsPerSample[0]}-bit samples");
        }

        if (ifd.Compression is not (1 or 5 or 8 or 32946 or 32773))
        {
            throw Unsupported($"compression {ifd.Compression}");
        }

        if (ifd.Predictor is not (1 or 2))
        {
            throw Unsupported($"predictor {ifd.Predictor}");
        }

        int spp = ifd.SamplesPerPixel;
        (PixelFormat format, bool palette) = (ifd.Photometric, spp) switch
        {
            (0 or 1, 1) => (PixelFormat.Gray8, false),
            (0 or 1, 2) when ifd.ExtraSamples is [2] => (PixelFormat.Rgba32, false),
            (2, 3) => (PixelFormat.Rgb24, false),
            (2, 4) when ifd.ExtraSamples is [2] => (PixelFormat.Rgba32, false),
            (3, 1) when ifd.ColorMap.Length == 3 * 256 => (PixelFormat.Rgb24, true),
            _ => throw Unsupported($"photometric {ifd.Photometric} with {spp} samples"),
        };

        if (ifd.StripOffsets.Length == 0 || ifd.StripOffsets.Length != ifd.StripByteCounts.Length)
        {
            throw Corrupt("bad strip tables");
        }

        int rowBytes = checked(ifd.Width * spp);
        int rawLength = checked(rowBytes * ifd.Height);

        // Refuse strips that cannot hold the declared rows before allocating them (a 200-byte file must not cost the
        // pixel limit's worth of memory): the strips inside the file, times the compression's largest expansion.
        long stored = 0;
        for (int s = 0; s < ifd.StripOffsets.Length; s++)
        {
            long off = ifd.StripOffsets[s], len = ifd.StripByteCounts[s];
            stored += off >= 0 && len >= 0 && off < data.Length ? Math.Min(len, data.Length - off) : 0;
        }

        if (stored * MaxExpansion(ifd.Compression) < rawLength)
        {
            throw Corrupt("not enough image data");
        }

        byte[] raw = new byte[rawLength];
        int rowsPerStrip = Math.Min(ifd.RowsPerStrip, ifd.Height);
        int filled = 0;
        for (int s = 0; s < ifd.StripOffsets.Length && filled < raw.Length; s++)
        {
            long off = ifd.StripOffsets[s], len = ifd.StripByteCounts[s];
            if (off < 0 || len < 0 || off + len > data.Length)
            {
                throw Corrupt("strip outside the file");
            }

            ReadOnlySpan<byte> strip = data.Slice((int)off, (int)len);
            int want = Math.Min(checked(rowsPerStrip * rowBytes), raw.Length - filled);
            Span<byte> dst = raw.AsSpan(filled, want);
            int got = ifd.Compression switch
            {
                1 => CopyRaw(strip, dst),
                5 => Lzw(strip, dst),
                32773 => PackBits(strip, dst),
                _ => Inflate(strip, dst),
            };
            if (got != want)
            {
                throw Corrupt("not enough image data");
            }

            filled += want;
        }

        if (filled != raw.Length)
        {
            throw Corrupt("not enough image data");
        }

        if (ifd.Predictor == 2)
        {
            for (int y = 0; y < ifd.Height; y++)
            {
                Span<byte> row = raw.AsSpan(y * rowBytes, rowBytes);
                for (int i = spp; i < row.Length; i++)
                {
                    row[i] += row[i - spp];
                }
            }
        }

        byte[] pixels = raw;
        int n = ifd.Width * ifd.Height;
        if (ifd.Photometric == 0)
        {
            for (int i = 0; i < n; i++)
            {
                raw[i * spp] = (byte)(255 - raw[i * spp]);
            }
        }

        if (palette)
        {
            pixels = new byte[checked(n * 3)];
            for (int i = 0; i < n; i++)
            {
                int idx = raw[i];
                pixels[i * 3] = (byte)(ifd.ColorMap[idx] >> 8);
                pixels[(i * 3) + 1] = (byte)(ifd.ColorMap[256 + idx] >> 8);
                pixels[(i * 3) + 2] = (byte)(ifd.ColorMap[512 + idx] >> 8);
            }
        }
        else if (spp == 2)
        {
            pixels = new byte[checked(n * 4)];
            for (int i = 0; i < n; i++)
            {
                byte g = raw[i * 2];
                pixels[i * 4] = g;
                pixels[(i * 4) + 1] = g;
                pixels[(i * 4) + 2] = g;
                pixels[(i * 4) + 3] = raw[(i * 2) + 1];
            }
        }

        int orientation = ifd.Orientation is >= 1 and <= 8 ? ifd.Orientation : 1;
        return ClipImage.Create(ifd.Width, ifd.Height, format, pixels, palette, "TIFF", orientation);
    }

    /// <summary>
    /// The most bytes one stored byte can become: PackBits repeats one byte 128 times per 2-byte run, deflate expands at
    /// most 1032:1, and a 9-bit LZW code stands for at most 4096 bytes.
    /// </summary>
    private static long MaxExpansion(int compression) => compression switch
    {
        1 => 1,
        32773 => 64,
        5 => (4096 * 8 / 9) + 1,
        _ => 1032,
    };

    private static int CopyRaw(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int n = Math.Min(src.Length, dst.Length);
        src[..n].CopyTo(dst);
        return n;
    }

    private static int PackBits(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int i = 0, o = 0;
        while (i < src.Length && o < dst.Length)
        {
            int h = (sbyte)src[i++];
            if (h >= 0)
            {
                int n = Math.Min(Math.Min(h + 1, src.Length - i), dst.Length - o);
                src.Slice(i, n).CopyTo(dst[o..]);
                i += h + 1;
                o += n;
            }
            else if (h != -128)
            {
                if (i >= src.Length)
                {
                    break;
                }

                int n = Math.Min(1 - h, dst.Length - o);
                dst.Slice(o, n).Fill(src[i++]);
                o += n;
            }
        }

        return o;
    }

    private static int Inflate(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        using var ms = new MemoryStream(src.ToArray());
        using var z = new ZLibStream(ms, CompressionMode.Decompress);
        int total = 0;
        while (total < dst.Length)
        {
            int r = z.Read(dst[total..]);
            if (r == 0)
            {
                break;
            }

            total += r;
        }

        return total;
    }

    /// <summary>TIFF LZW: MSB-first codes of 9..12 bits, Clear = 256, EOI = 257, widths growing one code early.</summary>
    private static int Lzw(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        if (src.Length >= 2 && src[0] == 0 && (src[1] & 1) == 1)
        {
            throw Unsupported("old-style LZW");
        }

        const int Clear = 256, Eoi = 257;
        int[] prefix = new int[4096];
        byte[] suffix = new byte[4096];
        byte[] first = new byte[4096];
        int[] length = new int[4096];
        for (int i = 0; i < 256; i++)
        {
            suffix[i] = (byte)i;
            first[i] = (byte)i;
            length[i] = 1;
            prefix[i] = -1;
        }

        int next = 258, width = 9, prev = -1, o = 0;
        long bitPos = 0;
        long totalBits = (long)src.Length * 8;
        while (bitPos + width <= totalBits)
        {
            int code = 0;
            for (int b = 0; b < width; b++, bitPos++)
            {
                code = (code << 1) | ((src[(int)(bitPos >> 3)] >> (7 - (int)(bitPos & 7))) & 1);
            }

            if (code == Eoi)
            {
                break;
            }

            if (code == Clear)
            {
                next = 258;
                width = 9;
                prev = -1;
                continue;
            }

            int entry;
            if (code < next && (code < 256 || code >= 258))
            {
                entry = code;
                if (prev >= 0 && next < 4096)
                {
                    Add(prev, first[code]);
                }
            }
            else if (code == next && prev >= 0)
            {
                Add(prev, first[prev]);
                entry = code;
            }
            else
            {
                throw Corrupt("bad LZW code");
            }

            // Emit the string for entry (written backwards from its end).
            int len = length[entry];
            if (o + len > dst.Length)
            {
                len = dst.Length - o;
                int c = entry;
                for (int skip = length[entry] - len; skip > 0; skip--)
                {
                    c = prefix[c];
                }

                for (int k = len - 1; k >= 0; k--)
                {
                    dst[o + k] = suffix[c];
                    c = prefix[c];
                }

                return dst.Length;
            }

            for (int k = len - 1, c = entry; k >= 0; k--)
            {
                dst[o + k] = suffix[c];
                c = prefix[c];
            }

            o += len;
            prev = code;
            if (next + 1 >= (1 << width) && width < 12)
            {
                width++;
            }
        }

        return o;

        void Add(int p, byte ch)
        {
            prefix[next] = p;
            suffix[next] = ch;
            first[next] = first[p];
            length[next] = length[p] + 1;
            next++;
        }
    }
}
