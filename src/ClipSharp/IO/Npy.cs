using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ClipSharp.IO;

/// <summary>Reads and writes NumPy <c>.npy</c> files (version 1.0, little-endian, C order) of float32, int32 and int64.</summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes a float32 array of the given shape.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
        => WriteCore(stream, MemoryMarshal.AsBytes(data), "<f4", data.Length, shape);

    /// <summary>Writes an int32 array of the given shape.</summary>
    public static void Write(Stream stream, ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
        => WriteCore(stream, MemoryMarshal.AsBytes(data), "<i4", data.Length, shape);

    /// <summary>Writes a float32 array to a file.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        using var fs = File.Create(path);
        Write(fs, data, shape);
    }

    private static void WriteCore(Stream stream, ReadOnlySpan<byte> bytes, string descr, int count, ReadOnlySpan<int> shape)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        }

        long expected = 1;
        var sb = new StringBuilder("(");
        foreach (int d in shape)
        {
            expected *= d;
            sb.Append(d.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        if (shape.Length > 1)
        {
            sb.Length -= 1; // drop the trailing space: "(1, 3)"; one-dimensional keeps "(5,)"
            sb.Length -= 1;
        }
        else if (shape.Length == 1)
        {
            sb.Length -= 1;
        }

        sb.Append(')');
        if (expected != count)
        {
            throw new ArgumentException($"Shape holds {expected} values but the data has {count}.", nameof(shape));
        }

        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {sb}, }}";
        // Header length is padded so that the data starts on a 64-byte boundary, ending with '\n'.
        int total = Magic.Length + 2 + 2 + header.Length + 1;
        int pad = (64 - (total % 64)) % 64;
        header = header + new string(' ', pad) + "\n";

        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(bytes);
    }

    /// <summary>Reads a float32 array; returns the data and its shape.</summary>
    public static (float[] Data, int[] Shape) ReadFloat32(string path)
    {
        var (descr, shape, data) = ReadRaw(path);
        if (descr != "<f4")
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"expected float32 ('<f4') data, found '{descr}'", path);
        }

        return (MemoryMarshal.Cast<byte, float>(data).ToArray(), shape);
    }

    /// <summary>Reads an integer array (int32 or int64) as int64 values; returns the data and its shape.</summary>
    public static (long[] Data, int[] Shape) ReadInt64(string path)
    {
        var (descr, shape, data) = ReadRaw(path);
        return descr switch
        {
            "<i4" => (Array.ConvertAll(MemoryMarshal.Cast<byte, int>(data).ToArray(), v => (long)v), shape),
            "<i8" => (MemoryMarshal.Cast<byte, long>(data).ToArray(), shape),
            _ => throw new ClipSharpException(ClipErrorKind.InvalidInput, $"expected int32 or int64 data, found '{descr}'", path),
        };
    }

    private static (string Descr, int[] Shape, byte[] Data) ReadRaw(string path)
    {
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < 10 || !all.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "not a NumPy .npy file", path);
        }

        int major = all[6];
        int headerLen;
        int offset;
        if (major == 1)
        {
            headerLen = BinaryPrimitives.ReadUInt16LittleEndian(all.AsSpan(8));
            offset = 10;
        }
        else
        {
            headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(all.AsSpan(8));
            offset = 12;
        }

        string header = Encoding.ASCII.GetString(all, offset, headerLen);
        string descr = Between(header, "'descr':", ",").Trim().Trim('\'');
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "Fortran-ordered arrays are not supported", path);
        }

        string shapeText = Between(header, "'shape':", ")").Trim().TrimStart('(');
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (descr, shape, all[(offset + headerLen)..]);
    }

    private static string Between(string s, string start, string end)
    {
        int i = s.IndexOf(start, StringComparison.Ordinal);
        if (i < 0)
        {
            return string.Empty;
        }

        i += start.Length;
        int j = s.IndexOf(end, i, StringComparison.Ordinal);
        return j < 0 ? s[i..] : s[i..j];
    }
}
