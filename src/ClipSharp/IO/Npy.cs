using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ClipSharp.IO;

/// <summary>Reads and writes NumPy <c>.npy</c> files (version 1.0, little-endian, C order) of float32, int32 and int64.</summary>
internal static class Npy
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
    /// <exception cref="ClipSharpException">The file cannot be read, is not a well-formed .npy file, or does not hold float32 data.</exception>
    public static (float[] Data, int[] Shape) ReadFloat32(string path) => ReadFloat32(ReadFile(path), path);

    /// <summary>Reads an integer array (int32 or int64) as int64 values; returns the data and its shape.</summary>
    /// <exception cref="ClipSharpException">The file cannot be read, is not a well-formed .npy file, or does not hold int32/int64 data.</exception>
    public static (long[] Data, int[] Shape) ReadInt64(string path) => ReadInt64(ReadFile(path), path);

    /// <summary>Parses the bytes of a .npy file holding float32 data; errors name <paramref name="name"/>.</summary>
    internal static (float[] Data, int[] Shape) ReadFloat32(byte[] file, string name)
    {
        var (descr, shape, data) = ReadRaw(file, name);
        if (descr != "<f4")
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"expected float32 ('<f4') data, found '{descr}'", name);
        }

        CheckLength(shape, 4, data.Length, name);
        return (MemoryMarshal.Cast<byte, float>(data.Span).ToArray(), shape);
    }

    /// <summary>Parses the bytes of a .npy file holding int32 or int64 data; errors name <paramref name="name"/>.</summary>
    internal static (long[] Data, int[] Shape) ReadInt64(byte[] file, string name)
    {
        var (descr, shape, data) = ReadRaw(file, name);
        switch (descr)
        {
            case "<i4":
                CheckLength(shape, 4, data.Length, name);
                return (Array.ConvertAll(MemoryMarshal.Cast<byte, int>(data.Span).ToArray(), v => (long)v), shape);
            case "<i8":
                CheckLength(shape, 8, data.Length, name);
                return (MemoryMarshal.Cast<byte, long>(data.Span).ToArray(), shape);
            default:
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"expected int32 or int64 data, found '{descr}'", name);
        }
    }

    private static byte[] ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ClipSharpException(ClipErrorKind.Io, $"cannot read file: {ex.Message}", path, ex);
        }
    }

    /// <summary>The data must be exactly the shape's element count times the item size (no silent truncation or padding).</summary>
    private static void CheckLength(int[] shape, int itemSize, int dataLength, string name)
    {
        long expected = itemSize;
        foreach (int d in shape)
        {
            expected = expected > 0 && d > long.MaxValue / expected ? long.MaxValue : expected * d;
        }

        if (expected != dataLength)
        {
            throw new ClipSharpException(
                ClipErrorKind.InvalidInput,
                string.Create(CultureInfo.InvariantCulture, $"the shape ({string.Join(", ", shape)}) needs {expected} bytes of data, the file holds {dataLength}"),
                name);
        }
    }

    private static (string Descr, int[] Shape, ReadOnlyMemory<byte> Data) ReadRaw(byte[] all, string name)
    {
        if (all.Length < 10 || !all.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "not a NumPy .npy file", name);
        }

        // Version 1.0 has a 2-byte header length; 2.0 and 3.0 a 4-byte one.
        int major = all[6];
        long headerLen;
        int offset;
        if (major == 1)
        {
            headerLen = BinaryPrimitives.ReadUInt16LittleEndian(all.AsSpan(8));
            offset = 10;
        }
        else if (major is 2 or 3 && all.Length >= 12)
        {
            headerLen = BinaryPrimitives.ReadUInt32LittleEndian(all.AsSpan(8));
            offset = 12;
        }
        else
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"unsupported .npy version {major}.{all[7]}", name);
        }

        if (offset + headerLen > all.Length)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the header length {headerLen} runs past the end of the file", name);
        }

        string header = Encoding.ASCII.GetString(all, offset, (int)headerLen);
        string descr = Between(header, "'descr':", ",").Trim().Trim('\'');
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "Fortran-ordered arrays are not supported", name);
        }

        if (!header.Contains("'shape':", StringComparison.Ordinal))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "the header has no shape", name);
        }

        string shapeText = Between(header, "'shape':", ")").Trim().TrimStart('(');
        string[] dims = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int[] shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (!int.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"invalid shape ({shapeText}): '{dims[i]}' is not a dimension", name);
            }
        }

        return (descr, shape, all.AsMemory((int)(offset + headerLen)));
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
