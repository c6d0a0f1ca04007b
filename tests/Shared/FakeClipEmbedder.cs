using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using ClipSharp.Imaging;
using SkiaSharp;

namespace ClipSharp.Tests;

/// <summary>
/// The one deterministic stand-in for a CLIP model, used by every test project (and the index crash helper and bench).
/// <list type="bullet">
/// <item>Texts: the normalised sum of one fixed random vector per word (<see cref="TextVector"/>), so texts sharing words are similar.</item>
/// <item>Image files (<see cref="EmbedImageFiles"/>, the index's path): a Gaussian vector seeded by the SHA-256 of the file's
/// bytes (<see cref="VectorFor"/>: equal content, equal vector); it mimics a decoder's failures: empty or unknown content,
/// JPEGs without an end marker (truncated), HEIF/AVIF (unsupported).</item>
/// <item>Encoded uploads (<see cref="Preprocess"/>, the server's path): decoded with SkiaSharp (refusing more pixels than
/// allowed from the header, before decoding), shrunk to 8×8 and projected by a fixed random matrix in <see cref="EmbedPixels"/>.</item>
/// </list>
/// Counts what it embeds, records every inference call's batch size, and can be slowed down or gated to make queues and
/// cancellation observable.
/// </summary>
internal sealed class FakeClipEmbedder : IClipEmbedder
{
    /// <summary>The embedding width unless <see cref="Dimension"/> says otherwise.</summary>
    public const int DefaultDimension = 64;

    private const int Side = 8;
    private readonly Lazy<float[]> _projection;
    private long _embedCount;
    private long _decoding;
    private long _peakDecoding;

    public FakeClipEmbedder() => _projection = new Lazy<float[]>(() => Projection(Dimension));

    public string ModelName { get; init; } = "fake";

    public string ModelId { get; init; } = "fake@1";

    public string PreprocessFingerprint { get; init; } = "fake-preprocess-1";

    public int Dimension { get; init; } = DefaultDimension;

    public float LogitScale => 100f;

    public int PreferredBatchSize { get; init; } = 8;

    public int PixelsPerImage => 3 * Side * Side;

    /// <summary>The decode memory budget; tests give a small one to exercise waits and rejections.</summary>
    public DecodeMemoryBudget DecodeMemory { get; set; } = new(DecodeMemoryBudget.DefaultCapacityBytes);

    /// <summary>Sleeps this long for each image file embedded.</summary>
    public TimeSpan DelayPerImage { get; init; }

    /// <summary>Sleeps this long in every text or pixel inference call.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Blocks every text or pixel inference call until set (when not null).</summary>
    public ManualResetEventSlim? Gate { get; set; }

    /// <summary>Another model when not 0: the same file content gets an unrelated vector.</summary>
    public byte Weights { get; init; }

    /// <summary>Ids this fake says an older release gave it (<see cref="IClipEmbedder.IsFormerModelId"/>).</summary>
    public IReadOnlySet<string> FormerModelIds { get; init; } = new HashSet<string>();

    public bool IsFormerModelId(string modelId) => FormerModelIds.Contains(modelId);

    /// <summary>Image files embedded so far.</summary>
    public long EmbedCount => Interlocked.Read(ref _embedCount);

    /// <summary>Called after each embedded image file with the count so far (a test can cancel at an exact point).</summary>
    public Action<long>? AfterEachImage { get; init; }

    public ConcurrentQueue<string> EmbeddedPaths { get; } = new();

    /// <summary>Every text or pixel inference call: its kind and batch size.</summary>
    public ConcurrentQueue<(string Kind, int Count)> Calls { get; } = new();

    public int WarmCount { get; private set; }

    /// <summary>
    /// The most bytes (by <see cref="EstimateDecodeBytes"/>) of the uploads inside <see cref="Preprocess"/> at once: counted by
    /// the fake itself, independently of the budget's own accounting.
    /// </summary>
    public long PeakDecodingBytes => Interlocked.Read(ref _peakDecoding);

    public void Warm() => WarmCount++;

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

            var error = DecodeError(bytes, path);
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

    public void EmbedTexts(IReadOnlyList<string> texts, Span<float> destination)
    {
        Wait();
        Calls.Enqueue(("text", texts.Count));
        for (int i = 0; i < texts.Count; i++)
        {
            TextVector(texts[i], Dimension).CopyTo(destination.Slice(i * Dimension, Dimension));
        }
    }

    /// <summary>What the fake's decode holds: Skia's RGBA bitmap (4 bytes a pixel) and the encoded copy.</summary>
    public long EstimateDecodeBytes(ReadOnlySpan<byte> data, string? name, long maxPixels)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = OpenCodec(skData, maxPixels);
        return (4L * codec.Info.Width * codec.Info.Height) + data.Length;
    }

    public void Preprocess(ReadOnlySpan<byte> data, string? name, long maxPixels, Span<float> destination)
    {
        if (data.IsEmpty)
        {
            throw new ClipSharpException(ClipErrorKind.UnknownFormat, "empty data");
        }

        using var skData = SKData.CreateCopy(data);
        using var codec = OpenCodec(skData, maxPixels);
        long own = (4L * codec.Info.Width * codec.Info.Height) + data.Length;
        long now = Interlocked.Add(ref _decoding, own);
        long seen;
        while (now > (seen = Interlocked.Read(ref _peakDecoding)) && Interlocked.CompareExchange(ref _peakDecoding, now, seen) != seen)
        {
        }

        try
        {
            Decode(codec, destination);
        }
        finally
        {
            Interlocked.Add(ref _decoding, -own);
        }
    }

    public void EmbedPixels(ReadOnlySpan<float> pixels, int count, Span<float> destination)
    {
        Wait();
        Calls.Enqueue(("image", count));
        int per = PixelsPerImage;
        float[] projection = _projection.Value;
        for (int i = 0; i < count; i++)
        {
            Span<float> target = destination.Slice(i * Dimension, Dimension);
            ReadOnlySpan<float> image = pixels.Slice(i * per, per);
            for (int d = 0; d < Dimension; d++)
            {
                target[d] = TensorPrimitives.Dot(image, projection.AsSpan(d * per, per)) + 0.01f;
            }

            ClipMath.Normalize(target);
        }
    }

    /// <summary>The embedding this fake gives a text: one fixed random vector per word, summed and normalised.</summary>
    public static float[] TextVector(string text, int dimension = DefaultDimension)
    {
        float[] sum = new float[dimension];
        foreach (string word in text.ToLowerInvariant().Split([' ', ',', '.', '-', '!', '?'], StringSplitOptions.RemoveEmptyEntries))
        {
            var random = new Random(StableHash(word));
            for (int d = 0; d < dimension; d++)
            {
                sum[d] += (float)((random.NextDouble() * 2) - 1);
            }
        }

        sum[0] += 1e-3f;
        ClipMath.Normalize(sum);
        return sum;
    }

    /// <summary>The embedding this fake gives an image file's bytes: a Gaussian vector seeded by their SHA-256.</summary>
    public static float[] VectorFor(byte[] content, int dimension = DefaultDimension)
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

    private static float[] Projection(int dimension)
    {
        var random = new Random(1234);
        var projection = new float[dimension * 3 * Side * Side];
        for (int i = 0; i < projection.Length; i++)
        {
            projection[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return projection;
    }

    private static SKCodec OpenCodec(SKData data, long maxPixels)
    {
        var codec = SKCodec.Create(data) ?? throw new ClipSharpException(ClipErrorKind.UnknownFormat, "not an image in any format we recognise");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > maxPixels)
        {
            codec.Dispose();
            throw new ClipSharpException(ClipErrorKind.ImageTooLarge, $"{width}x{height} is more than {maxPixels} pixels");
        }

        return codec;
    }

    private static void Decode(SKCodec codec, Span<float> destination)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var full = new SKBitmap(info);
        var result = codec.GetPixels(info, full.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, "decoding failed: " + result);
        }

        using var small = full.Resize(new SKImageInfo(Side, Side, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear));
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                var c = small.GetPixel(x, y);
                destination[(0 * Side * Side) + (y * Side) + x] = c.Red / 255f;
                destination[(1 * Side * Side) + (y * Side) + x] = c.Green / 255f;
                destination[(2 * Side * Side) + (y * Side) + x] = c.Blue / 255f;
            }
        }
    }

    private void Wait()
    {
        Gate?.Wait(TimeSpan.FromSeconds(30));
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }
    }

    private static int StableHash(string s)
    {
        unchecked
        {
            int h = (int)2166136261;
            foreach (char c in s)
            {
                h = (h ^ c) * 16777619;
            }

            return h;
        }
    }

    /// <summary>Why a decoder would refuse these file bytes, or null when it would accept them.</summary>
    private static ClipSharpException? DecodeError(byte[] b, string path)
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
