using System.Text;
using ClipSharp.IO;
using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.IO;

/// <summary>
/// Mutation fuzz of the <c>.npy</c> reader through its public path API: the header dictionary (descr, fortran_order,
/// shape values), the header length and version fields, the data length; plus plain bit flips and truncations.
/// The documented outcome: the array, or a ClipSharpException naming the file.
/// </summary>
public sealed class NpyFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-npy-fuzz-").FullName;

    private static readonly string[] s_descrs = ["'<f4'", "'<i4'", "'<i8'", "'<f8'", "'>f4'", "'|u1'", "''", "'<f4", "<f4'", "{}"];

    private static readonly string[] s_dims = ["0", "1", "2", "3", "-1", "-3", "65536", "2147483647", "2147483648", "99999999999", "1e3", "0x10", "+4", " ", "", "a", "3L", "١"];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]> { File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "tokens.npy")) };
        foreach (int[] shape in new[] { new[] { 2, 3 }, [5], [], [1, 1, 4], [0, 7] })
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            using var floats = new MemoryStream();
            Npy.Write(floats, [.. Enumerable.Range(0, n).Select(i => i * 0.5f)], shape);
            seeds.Add(floats.ToArray());
            using var ints = new MemoryStream();
            Npy.Write(ints, [.. Enumerable.Range(0, n)], shape);
            seeds.Add(ints.ToArray());
        }

        return seeds;
    }

    /// <summary>Header-aware: rewrites one part of the dictionary (keeping or breaking the length field), or mutates bytes.</summary>
    private static byte[] Mutate(Random rng, byte[] input)
    {
        if (input.Length < 10 || input[6] != 1 || rng.Next(8) == 0)
        {
            return Mutator.Mutate(rng, input);
        }

        int headerLength = Math.Min(input[8] | (input[9] << 8), input.Length - 10);
        string header = Encoding.ASCII.GetString(input, 10, headerLength);
        byte[] data = input[(10 + headerLength)..];
        switch (rng.Next(7))
        {
            case 0:
                header = Replace(header, "'descr': ", ",", s_descrs[rng.Next(s_descrs.Length)]);
                break;
            case 1:
                header = header.Replace("False", rng.Next(2) == 0 ? "True" : "Fals", StringComparison.Ordinal);
                break;
            case 2:
            case 3:
                {
                    var dims = Enumerable.Range(0, rng.Next(4)).Select(_ => s_dims[rng.Next(s_dims.Length)]);
                    header = Replace(header, "'shape': (", ")", string.Join(", ", dims) + (rng.Next(2) == 0 ? "," : ""));
                    break;
                }

            case 4:
                data = data[..rng.Next(data.Length + 1)];
                break;
            case 5:
                data = [.. data, .. new byte[1 + rng.Next(9)]];
                break;
            default:
                {
                    byte[] d = (byte[])input.Clone();
                    if (rng.Next(2) == 0)
                    {
                        Mutator.WriteUInt16(d, 8, Mutator.Interesting16(rng), false);
                    }
                    else
                    {
                        d[6] = (byte)(rng.Next(2) == 0 ? rng.Next(5) : rng.Next(256));
                    }

                    return d;
                }
        }

        byte[] h = Encoding.ASCII.GetBytes(header);
        byte[] prefix = [.. input.AsSpan(0, 8), (byte)h.Length, (byte)(h.Length >> 8)];
        return [.. prefix, .. h, .. data];
    }

    private static string Replace(string s, string start, string end, string value)
    {
        int i = s.IndexOf(start, StringComparison.Ordinal);
        int j = i < 0 ? -1 : s.IndexOf(end, i + start.Length, StringComparison.Ordinal);
        return i < 0 || j < 0 ? s : s[..(i + start.Length)] + value + s[j..];
    }

    [SkippableFact]
    public void Npy_MutatedFiles_ReadOrFailWithAClipSharpExceptionNamingTheFile()
    {
        const int Cases = 2000;
        string path = Path.Combine(_dir, "fuzz.npy");
        var target = new FuzzTarget
        {
            Name = ".npy reader",
            Parse = bytes =>
            {
                File.WriteAllBytes(path, bytes);
                bool floats = bytes.Length > 20 && Encoding.ASCII.GetString(bytes, 10, Math.Min(40, bytes.Length - 10)).Contains("f4", StringComparison.Ordinal);
                (int Elements, int[] Shape) read = floats
                    ? Npy.ReadFloat32(path) is var f ? (f.Data.Length, f.Shape) : default
                    : Npy.ReadInt64(path) is var l ? (l.Data.Length, l.Shape) : default;
                if (read.Shape.Any(d => d < 0) || read.Shape.Aggregate(1L, (a, b) => a * b) != read.Elements)
                {
                    throw new InvalidOperationException($"returned {read.Elements} values for shape ({string.Join(", ", read.Shape)})");
                }
            },
            CheckRejection = ex => FuzzTarget.ClipSharpRejection(ex, path),
            // The file's bytes once, its data copied out once (or widened from int32 to int64), the header as a string.
            AllocationBound = length => (8L * length) + 65536,
        };

        FuzzReport report = FuzzRunner.Run(target, Seeds(), Cases, seed: 78, Mutate);
        output.WriteLine(report.ToString());
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 10, Cases);
    }
}
