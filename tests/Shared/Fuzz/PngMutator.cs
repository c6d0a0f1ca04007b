using System.Buffers.Binary;
using System.IO.Compression;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// Builds small PNGs of every colour type and bit depth (plain and Adam7) and mutates PNGs chunk by chunk, recomputing
/// each changed chunk's CRC so that the damage reaches the decoder instead of stopping at a checksum: extreme IHDR
/// values (0, 2^31-1, huge × huge), other depth/type/interlace combinations, the inflated image data (filter bytes,
/// row bytes, lengths), PLTE/tRNS/eXIf contents, chunk lengths, order and presence.
/// </summary>
internal static class PngMutator
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] s_sizes = [0, 1, 2, 3, 7, 8, 9, 16, 17, 255, 256, 1000, 1024, 4096, 10_000, 46_341, 65_535, 65_536, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];

    /// <summary>(colour type, bit depth) pairs PNG allows.</summary>
    public static readonly (int Type, int Depth)[] Formats = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)];

    internal readonly record struct Chunk(string Type, byte[] Body);

    /// <summary>A valid PNG with random pixels, all five row filters, a palette (and sometimes tRNS) for type 3, sometimes eXIf.</summary>
    public static byte[] Build(Random rng, int width, int height, int colorType, int depth, bool interlaced, int orientation)
    {
        int channels = colorType switch { 0 or 3 => 1, 2 => 3, 4 => 2, _ => 4 };
        int bitsPerPixel = channels * depth;
        var raw = new MemoryStream();
        int[] starts = interlaced ? [0, 0, 4, 0, 0, 4, 2, 0, 0, 2, 1, 0, 0, 1] : [0, 0];
        int[] steps = interlaced ? [8, 8, 8, 8, 4, 8, 4, 4, 2, 4, 2, 2, 1, 2] : [1, 1];
        for (int p = 0; p < starts.Length / 2; p++)
        {
            int pw = (width - starts[p * 2] + steps[p * 2] - 1) / steps[p * 2];
            int ph = (height - starts[(p * 2) + 1] + steps[(p * 2) + 1] - 1) / steps[(p * 2) + 1];
            if (pw <= 0 || ph <= 0)
            {
                continue;
            }

            byte[] row = new byte[((pw * bitsPerPixel) + 7) / 8];
            for (int y = 0; y < ph; y++)
            {
                raw.WriteByte((byte)(y % 5));
                rng.NextBytes(row);
                raw.Write(row);
            }
        }

        var chunks = new List<Chunk> { new("IHDR", Ihdr((uint)width, (uint)height, depth, colorType, interlaced ? 1 : 0)) };
        if (orientation > 0)
        {
            chunks.Add(new Chunk("eXIf", TiffBuilder.Exif(rng.Next(2) == 0, orientation, "2020:01:02 03:04:05")));
        }

        if (colorType == 3)
        {
            byte[] palette = new byte[3 * (1 << depth)];
            rng.NextBytes(palette);
            chunks.Add(new Chunk("PLTE", palette));
            if (rng.Next(2) == 0)
            {
                byte[] trns = new byte[rng.Next(1, (1 << depth) + 1)];
                rng.NextBytes(trns);
                chunks.Add(new Chunk("tRNS", trns));
            }
        }

        byte[] compressed = Deflate(raw.ToArray());
        int split = compressed.Length / 2;
        chunks.Add(new Chunk("IDAT", compressed[..split]));
        chunks.Add(new Chunk("IDAT", compressed[split..]));
        chunks.Add(new Chunk("IEND", []));
        return Write(chunks);
    }

    public static byte[] Mutate(Random rng, byte[] input)
    {
        List<Chunk>? chunks = Read(input);
        if (chunks is null || chunks.Count == 0 || rng.Next(12) == 0)
        {
            return Mutator.Mutate(rng, input);
        }

        int pick = rng.Next(chunks.Count);
        switch (rng.Next(9))
        {
            case 0: // IHDR: extreme sizes
                if (chunks[0] is { Type: "IHDR", Body.Length: 13 } ihdr)
                {
                    byte[] b = (byte[])ihdr.Body.Clone();
                    int which = rng.Next(3);
                    if (which != 1)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(b, s_sizes[rng.Next(s_sizes.Length)]);
                    }

                    if (which != 0)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), s_sizes[rng.Next(s_sizes.Length)]);
                    }

                    chunks[0] = ihdr with { Body = b };
                }

                break;
            case 1: // IHDR: another depth, colour type, compression, filter or interlace method (valid or not)
                if (chunks[0] is { Type: "IHDR", Body.Length: 13 } header)
                {
                    byte[] b = (byte[])header.Body.Clone();
                    if (rng.Next(2) == 0)
                    {
                        (b[9], b[8]) = ((byte)Formats[rng.Next(Formats.Length)].Type, (byte)Formats[rng.Next(Formats.Length)].Depth);
                    }
                    else
                    {
                        b[8 + rng.Next(5)] = (byte)(rng.Next(2) == 0 ? rng.Next(4) : rng.Next(256));
                    }

                    chunks[0] = header with { Body = b };
                }

                break;
            case 2:
            case 3: // the inflated image data: filter bytes, pixel bytes, too little or too much
                {
                    byte[] raw = Inflate(Concat(chunks.Where(c => c.Type == "IDAT")));
                    if (raw.Length > 0)
                    {
                        if (rng.Next(3) == 0)
                        {
                            raw[rng.Next(raw.Length)] = (byte)rng.Next(7); // a row filter, often out of range
                        }
                        else
                        {
                            raw = Mutator.Mutate(rng, raw);
                        }
                    }

                    int first = chunks.FindIndex(c => c.Type == "IDAT");
                    chunks.RemoveAll(c => c.Type == "IDAT");
                    chunks.Insert(first < 0 ? Math.Min(1, chunks.Count) : first, new Chunk("IDAT", Deflate(raw)));
                    break;
                }

            case 4: // one chunk's body (PLTE, tRNS, eXIf with its IFDs, or compressed IDAT)
                chunks[pick] = chunks[pick] with
                {
                    Body = chunks[pick].Type == "eXIf" && rng.Next(2) == 0 ? TiffMutator.Mutate(rng, chunks[pick].Body) : Mutator.Mutate(rng, chunks[pick].Body),
                };
                break;
            case 5: // a new ancillary chunk: a palette or transparency of any length, EXIF, or a second header
                {
                    string type = new[] { "PLTE", "tRNS", "eXIf", "IHDR", "IEND" }[rng.Next(5)];
                    byte[] body = type == "eXIf" ? TiffMutator.Mutate(rng, TiffBuilder.Exif(false, rng.Next(9), "2020:01:02 03:04:05")) : new byte[rng.Next(2) == 0 ? rng.Next(8) : rng.Next(800)];
                    if (type != "eXIf")
                    {
                        rng.NextBytes(body);
                    }

                    chunks.Insert(rng.Next(1, chunks.Count + 1), new Chunk(type, body));
                    break;
                }

            case 6: // drop or duplicate a chunk
                if (rng.Next(2) == 0)
                {
                    chunks.RemoveAt(pick);
                }
                else
                {
                    chunks.Insert(rng.Next(chunks.Count + 1), chunks[pick]);
                }

                break;
            case 7: // a chunk length that disagrees with the body (the CRC no longer where the decoder looks)
                {
                    byte[] written = Write(chunks);
                    int at = 8;
                    for (int i = 0; i < pick; i++)
                    {
                        at += 12 + chunks[i].Body.Length;
                    }

                    BinaryPrimitives.WriteUInt32BigEndian(written.AsSpan(at), rng.Next(2) == 0 ? Mutator.Interesting32(rng) : (uint)Math.Max(0, chunks[pick].Body.Length + rng.Next(-4, 5)));
                    return written;
                }

            default:
                return Mutator.Mutate(rng, Write(chunks));
        }

        return Write(chunks);
    }

    private static byte[] Ihdr(uint width, uint height, int depth, int colorType, int interlace)
    {
        byte[] b = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(b, width);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), height);
        (b[8], b[9], b[12]) = ((byte)depth, (byte)colorType, (byte)interlace);
        return b;
    }

    /// <summary>The chunks of a PNG (null when the signature or the chunk lengths do not hold).</summary>
    public static List<Chunk>? Read(byte[] data)
    {
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature))
        {
            return null;
        }

        var chunks = new List<Chunk>();
        int pos = 8;
        while (pos + 12 <= data.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            if (len > (uint)(data.Length - pos - 12))
            {
                return null;
            }

            chunks.Add(new Chunk(System.Text.Encoding.ASCII.GetString(data, pos + 4, 4), data[(pos + 8)..(pos + 8 + (int)len)]));
            pos += 12 + (int)len;
        }

        return chunks;
    }

    /// <summary>Writes chunks with correct lengths and CRCs.</summary>
    public static byte[] Write(IEnumerable<Chunk> chunks)
    {
        var ms = new MemoryStream();
        ms.Write(Signature);
        Span<byte> word = stackalloc byte[4];
        foreach (Chunk c in chunks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, (uint)c.Body.Length);
            ms.Write(word);
            byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(c.Type), .. c.Body];
            ms.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
            ms.Write(word);
        }

        return ms.ToArray();
    }

    /// <summary>The CRC-32 of PNG chunks (ISO-HDLC polynomial, reflected), bit by bit: inputs are small.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFF_FFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte[] Concat(IEnumerable<Chunk> chunks) => [.. chunks.SelectMany(c => c.Body)];

    public static byte[] Deflate(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw);
        }

        return ms.ToArray();
    }

    /// <summary>Inflates as much as the stream gives (damaged data yields what came before the damage), at most 4 MB.</summary>
    private static byte[] Inflate(byte[] compressed)
    {
        var output = new MemoryStream();
        try
        {
            using var z = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            byte[] buffer = new byte[8192];
            int n;
            while (output.Length < (4 << 20) && (n = z.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
            }
        }
        catch (InvalidDataException)
        {
        }

        return output.ToArray();
    }
}
