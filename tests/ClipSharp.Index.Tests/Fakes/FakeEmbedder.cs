using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Index.Tests;

/// <summary>
/// A deterministic stand-in for a CLIP model: an image's vector is a Gaussian vector seeded by the SHA-256 of its
/// bytes (so equal content gives equal vectors), a text's by the SHA-256 of the text. It mimics a decoder's
/// failures: empty or unknown content, JPEGs without an end marker (truncated), HEIF/AVIF (unsupported).
/// Counts every image it embeds.
/// </summary>
internal sealed class FakeEmbedder : IClipEmbedder
{
    private long _embedCount;

    public string ModelId { get; init; } = "fake@1";

    public string PreprocessFingerprint { get; init; } = "fake-preprocess-1";

    public int Dimension { get; init; } = 32;

    public int PreferredBatchSize { get; init; } = 8;

    public TimeSpan DelayPerImage { get; init; }

    /// <summary>Another model when not 0: the same content gets an unrelated vector.</summary>
    public byte Weights { get; init; }

    /// <summary>Ids this fake says an older release gave it (<see cref="IClipEmbedder.IsFormerModelId"/>).</summary>
    public IReadOnlySet<string> FormerModelIds { get; init; } = new HashSet<string>();

    public bool IsFormerModelId(string modelId) => FormerModelIds.Contains(modelId);

    public long EmbedCount => Interlocked.Read(ref _embedCount);

    /// <summary>Called after each embedded image with the count so far (a test can cancel at an exact point).</summary>
    public Action<long>? AfterEachImage { get; init; }

    public ConcurrentQueue<string> EmbeddedPaths { get; } = new();

    public IReadOnlyList<ImageEmbeddingResult> EmbedImageFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var results = new List<ImageEmbeddingResult>(paths.Count);
        foreach (string path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (DelayPerImage > TimeSpan.Zero)
            {
                Thread.Sleep(DelayPerImage);
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (IOException ex)
            {
                results.Add(new ImageEmbeddingResult(path, null, new ClipSharpException(ClipErrorKind.Io, ex.Message, path)));
                continue;
            }

            var error = Decode(bytes, path);
            if (error is not null)
            {
                results.Add(new ImageEmbeddingResult(path, null, error));
                continue;
            }

            long count = Interlocked.Increment(ref _embedCount);
            EmbeddedPaths.Enqueue(path);
            results.Add(new ImageEmbeddingResult(path, VectorFor(Weights == 0 ? bytes : [Weights, .. bytes], Dimension), null));
            AfterEachImage?.Invoke(count);
        }

        return results;
    }

    public IReadOnlyList<float[]> EmbedTexts(IReadOnlyList<string> texts)
        => texts.Select(t => VectorFor(Encoding.UTF8.GetBytes("text:" + t), Dimension)).ToList();

    public static float[] VectorFor(byte[] content, int dimension)
    {
        byte[] hash = SHA256.HashData(content);
        var random = new Random(BitConverter.ToInt32(hash, 0));
        var v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++)
        {
            // Box–Muller.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            v[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            norm += (double)v[i] * v[i];
        }

        float inv = (float)(1 / Math.Sqrt(norm));
        for (int i = 0; i < dimension; i++)
        {
            v[i] *= inv;
        }

        return v;
    }

    private static ClipSharpException? Decode(byte[] b, string path)
    {
        if (b.Length == 0)
        {
            return new ClipSharpException(ClipErrorKind.UnknownFormat, "empty file", path);
        }

        bool jpeg = b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
        if (jpeg)
        {
            int from = Math.Max(0, b.Length - 1024);
            bool eoi = false;
            for (int i = b.Length - 2; i >= from; i--)
            {
                if (b[i] == 0xFF && b[i + 1] == 0xD9)
                {
                    eoi = true;
                    break;
                }
            }

            return eoi ? null : new ClipSharpException(ClipErrorKind.CorruptImage, "truncated JPEG (no end-of-image marker)", path);
        }

        if (b.Length > 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p')
        {
            return new ClipSharpException(ClipErrorKind.UnsupportedFormat, "HEIF/AVIF needs a decoder this build does not have", path);
        }

        bool png = b.Length > 8 && b[0] == 0x89 && b[1] == 'P';
        bool gif = b.Length > 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F';
        bool bmp = b.Length > 26 && b[0] == 'B' && b[1] == 'M';
        bool webp = b.Length > 12 && b[0] == 'R' && b[8] == 'W';
        bool tiff = b.Length > 4 && ((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M'));
        return png || gif || bmp || webp || tiff ? null : new ClipSharpException(ClipErrorKind.UnknownFormat, "not an image", path);
    }
}
