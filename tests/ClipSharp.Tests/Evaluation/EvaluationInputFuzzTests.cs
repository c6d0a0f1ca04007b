using System.Text;
using ClipSharp.Evaluation;
using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Evaluation;

/// <summary>
/// Mutation fuzz of what <c>clipsharp eval</c> reads besides images and models: the dataset CSV
/// (<see cref="ImageDataset"/>: quotes, separators, line ends, headers, invalid UTF-8) and the embedding cache file
/// (<see cref="EmbeddingCache"/>: string lengths, counts, truncation). The CSV gives a list or a ClipSharpException naming
/// the file; a damaged cache is documented to read as empty, never to fail.
/// </summary>
public sealed class EvaluationInputFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-eval-fuzz-").FullName;

    private static readonly string[] s_pieces = ["\"", "\"\"", ",", "\n", "\r\n", "\r", "\0", "\uFEFF", " ", "file", "label", "caption", "Label", "é", "🐱", "../", "/", "\\", "\t", "a,b\n"];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] MutateCsv(Random rng, byte[] input)
    {
        if (rng.Next(3) == 0)
        {
            return Mutator.Mutate(rng, input); // bytes: invalid UTF-8, cut characters
        }

        string text = Encoding.UTF8.GetString(input);
        int n = 1 + rng.Next(4);
        for (int i = 0; i < n; i++)
        {
            int at = rng.Next(text.Length + 1);
            text = rng.Next(3) switch
            {
                0 => text.Insert(at, s_pieces[rng.Next(s_pieces.Length)]),
                1 when at < text.Length => text.Remove(at, Math.Min(text.Length - at, 1 + rng.Next(8))),
                _ => text.Insert(at, new string(s_pieces[rng.Next(s_pieces.Length)][0], rng.Next(1, 300))),
            };
        }

        return Encoding.UTF8.GetBytes(text);
    }

    [Fact]
    public void DatasetCsv_MutatedFiles_LoadOrFailWithAClipSharpExceptionNamingTheFile()
    {
        const int Cases = 2000;
        string path = Path.Combine(_dir, "labels.csv");
        List<byte[]> seeds =
        [
            Encoding.UTF8.GetBytes("file,label\ncat.jpg,cat\ndog.jpg,dog\n\"a, b.jpg\",\"say \"\"hi\"\"\"\n"),
            Encoding.UTF8.GetBytes("image,caption,extra\r\nx/1.png,a dog on a beach,1\r\n2.png,\"two\nlines\",2\r\n"),
            Encoding.UTF8.GetBytes("cat.jpg,cat\ndog.jpg,dog"),
            File.ReadAllBytes(TestData.Path("photos", "labels.csv")),
        ];
        var target = new FuzzTarget
        {
            Name = "eval dataset CSV",
            Parse = bytes =>
            {
                File.WriteAllBytes(path, bytes);
                foreach (LabeledImage item in ImageDataset.Load(path))
                {
                    if (item.Label.Length == 0 || !Path.IsPathFullyQualified(item.Path))
                    {
                        throw new InvalidOperationException($"row with label '{item.Label}' and path '{item.Path}'");
                    }
                }
            },
            CheckRejection = ex => FuzzTarget.ClipSharpRejection(ex, path),
            // Text as UTF-16, fields and rows, and each row's full path (the folder's path is repeated per row).
            AllocationBound = length => (256L * length) + (256 * 1024),
        };

        FuzzReport report = FuzzRunner.Run(target, seeds, Cases, seed: 89, MutateCsv);
        output.WriteLine(report.ToString());
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 20, Cases);
    }

    private static byte[] CacheFile(string fingerprint, int dimension, int entries)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("clipsharp-embedding-cache/1");
            w.Write(fingerprint);
            w.Write(dimension);
            w.Write(entries);
            for (int i = 0; i < entries; i++)
            {
                w.Write($"/photos/{i}-é.jpg");
                w.Write(1000L + i);
                w.Write(638_000_000_000_000_000L + i);
                for (int k = 0; k < dimension; k++)
                {
                    w.Write((i * 0.25f) - k);
                }
            }
        }

        return ms.ToArray();
    }

    [Fact]
    public void EmbeddingCache_MutatedFiles_OpenWithoutThrowing()
    {
        const int Cases = 1500;
        const string Fingerprint = "0123456789abcdef";
        const int Dimension = 8;
        string path = Path.Combine(_dir, "cache.embeddings");
        List<byte[]> seeds = [CacheFile(Fingerprint, Dimension, 0), CacheFile(Fingerprint, Dimension, 1), CacheFile(Fingerprint, Dimension, 5)];
        var target = new FuzzTarget
        {
            Name = "eval embedding cache",
            Parse = bytes =>
            {
                File.WriteAllBytes(path, bytes);
                int count = EmbeddingCache.Open(path, Fingerprint, Dimension).Count;
                if (count < 0 || count > bytes.Length / (Dimension * 4))
                {
                    throw new InvalidOperationException($"{count} entries from {bytes.Length} bytes");
                }
            },
            CheckRejection = ex => $"{ex.GetType().Name}: a damaged cache must read as empty",
            AllocationBound = length => (64L * length) + (256 * 1024),
        };

        FuzzReport report = FuzzRunner.Run(target, seeds, Cases, seed: 90, Mutator.Mutate);
        output.WriteLine(report.ToString());
        Assert.Equal(Cases, report.Accepted);
    }
}
