using ClipSharp.IO;
using Xunit;

namespace ClipSharp.Tests.IO;

public class NpyTests
{
    [Fact]
    public void Write_FloatArray_ReadsBackWithItsShape()
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
    // Found by NpyFuzzTests: these escaped as ArgumentOutOfRangeException or FormatException, or were returned with a
    // shape that did not match the data.
    [Theory]
    [InlineData("header", "the header length")]
    [InlineData("shape-text", "is not a dimension")]
    [InlineData("short-data", "needs 24 bytes of data, the file holds 20")]
    [InlineData("negative", "is not a dimension")]
    public void Npy_MalformedFile_IsRefusedWithAClipSharpExceptionNamingTheFile(string damage, string expected)
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var ms = new MemoryStream())
            {
                Npy.Write(ms, [1f, 2f, 3f, 4f, 5f, 6f], [2, 3]);
                byte[] file = ms.ToArray();
                string header = System.Text.Encoding.ASCII.GetString(file, 10, file[8] | (file[9] << 8));
                file = damage switch
                {
                    "header" => [.. file.AsSpan(0, 8), 0xFF, 0x7F, .. file.AsSpan(10)],
                    "shape-text" => [.. file.AsSpan(0, 10), .. System.Text.Encoding.ASCII.GetBytes(header.Replace("(2, 3)", "(2, x)", StringComparison.Ordinal)), .. file.AsSpan(10 + header.Length)],
                    "negative" => [.. file.AsSpan(0, 10), .. System.Text.Encoding.ASCII.GetBytes(header.Replace("(2, 3)", "(-2, 3)", StringComparison.Ordinal)[..header.Length]), .. file.AsSpan(10 + header.Length)],
                    _ => file[..^4],
                };
                File.WriteAllBytes(path, file);
            }

            var error = Assert.Throws<ClipSharpException>(() => Npy.ReadFloat32(path));
            Assert.Equal(path, error.Input);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
