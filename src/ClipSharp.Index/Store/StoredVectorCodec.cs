using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ClipSharp.Index;

/// <summary>The bytes of a vector in the SQLite index: little-endian float32 or float16 (<see cref="VectorPrecision"/>).</summary>
internal static class StoredVectorCodec
{
    /// <summary>A vector rounded to float16, as stored bytes.</summary>
    public static byte[] EncodeFloat16(ReadOnlySpan<float> vector)
    {
        byte[] blob = new byte[vector.Length * 2];
        TensorPrimitives.ConvertToHalf(vector, MemoryMarshal.Cast<byte, Half>(blob.AsSpan()));
        return blob;
    }

    /// <summary>The stored bytes of a vector at <paramref name="precision"/>.</summary>
    public static byte[] Encode(float[] vector, VectorPrecision precision)
        => precision == VectorPrecision.Float16 ? EncodeFloat16(vector) : MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    /// <summary>
    /// A stored vector as float32; <paramref name="precision"/> is the meta value read with it; a blob of the wrong
    /// length is refused naming <paramref name="path"/> and the index <paramref name="folder"/>.
    /// </summary>
    public static float[] Decode(byte[] blob, string? precision, string path, string folder)
    {
        if (precision == "float16")
        {
            if (blob.Length % 2 != 0)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the vector of {path} has {blob.Length} bytes, not a float16 vector", folder);
            }

            float[] vector = new float[blob.Length / 2];
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(blob.AsSpan()), vector);
            return vector;
        }

        if (blob.Length % sizeof(float) != 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the vector of {path} has {blob.Length} bytes, not a float32 vector", folder);
        }

        return MemoryMarshal.Cast<byte, float>(blob).ToArray();
    }
}
