using ClipSharp.IO;
using Xunit;

namespace ClipSharp.Tests;

public class NpyTests
{
    [Fact]
    public void WrittenFloatArray_ReadsBackWithShape()
    {
        string path = Path.GetTempFileName();
        try
        {
            float[] data = [1f, -2.5f, 3f, 4f, 5f, 6f];
            Npy.Write(path, data, [2, 3]);
            var (back, shape) = Npy.ReadFloat32(path);
            Assert.Equal(data, back);
            Assert.Equal(new[] { 2, 3 }, shape);
            Assert.Equal(0, (new FileInfo(path).Length - data.Length * 4) % 64);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
