using ClipSharp.Tests;

namespace ClipSharp.Index.Tests;

/// <summary>Builds photo folders for the tests from the shared test data (copied to a temp folder, never edited in place).</summary>
internal static class Corpus
{
    /// <summary>Copies photos/ and edge/ (test data) to <paramref name="target"/>/photos and /edge; returns target.</summary>
    public static string CopyPhotosAndEdge(string target)
    {
        TestFolders.CopyFolder(TestData.Path("photos"), Path.Combine(target, "photos"));
        TestFolders.CopyFolder(TestData.Path("edge"), Path.Combine(target, "edge"));
        return target;
    }

    /// <summary>Writes a small valid PNG whose pixels (and so hash) depend on <paramref name="seed"/>.</summary>
    public static void WritePng(string path, int seed, int size = 8)
    {
        var raw = new List<byte>();
        var random = new Random(seed);
        for (int y = 0; y < size; y++)
        {
            raw.Add(0);
            for (int x = 0; x < size * 3; x++)
            {
                raw.Add((byte)random.Next(256));
            }
        }

        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, size);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), size);
        ihdr[8] = 8;
        ihdr[9] = 2;
        Chunk(ms, "IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var zl = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                zl.Write(raw.ToArray());
            }

            Chunk(ms, "IDAT", z.ToArray());
        }

        Chunk(ms, "IEND", []);
        File.WriteAllBytes(path, ms.ToArray());
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        byte[] len = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc32([.. typeBytes, .. data]);
        byte[] c = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(c, crc);
        s.Write(c);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
