using System.Collections.Concurrent;
using System.Numerics.Tensors;
using ClipSharp.Imaging;
using SkiaSharp;

namespace ClipSharp.Server.Tests;

/// <summary>
/// A deterministic stand-in for a CLIP model: a text embeds as the normalised sum of one fixed random vector
/// per word (so texts sharing words are similar); an image is decoded with SkiaSharp (refusing more pixels than
/// allowed from the header, before decoding), shrunk to 8×8 and projected by a fixed random matrix. Records
/// every inference call's batch size, and can be slowed down to make queues observable.
/// </summary>
internal sealed class FakeClipBackend : IClipBackend
{
    public const int Dim = 64;
    private const int Side = 8;
    private readonly float[] _projection;

    public FakeClipBackend()
    {
        var random = new Random(1234);
        _projection = new float[Dim * 3 * Side * Side];
        for (int i = 0; i < _projection.Length; i++)
        {
            _projection[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    public string ModelName => "fake";

    public int Dimension => Dim;

    public int PixelsPerImage => 3 * Side * Side;

    public float LogitScale => 100f;

    /// <summary>Sleeps this long in every inference call.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Blocks every inference call until set (when not null).</summary>
    public ManualResetEventSlim? Gate { get; set; }

    public ConcurrentQueue<(string Kind, int Count)> Calls { get; } = new();

    public int WarmCount { get; private set; }

    public void Warm() => WarmCount++;

    /// <summary>The decode memory budget; tests give a small one to exercise waits and rejections.</summary>
    public DecodeMemoryBudget DecodeMemory { get; set; } = new(DecodeMemoryBudget.DefaultCapacityBytes);

    /// <summary>
    /// The most bytes (by <see cref="EstimateDecodeBytes"/>) of the images inside <see cref="Preprocess"/> at once: counted by
    /// the fake itself, independently of the budget's own accounting.
    /// </summary>
    public long PeakDecodingBytes => Interlocked.Read(ref _peakDecoding);

    private long _decoding;
    private long _peakDecoding;

    /// <summary>What the fake's decode holds: Skia's RGBA bitmap (4 bytes a pixel) and the encoded copy.</summary>
    public long EstimateDecodeBytes(ReadOnlySpan<byte> data, string? name, long maxPixels)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData) ?? throw new ClipSharpException(ClipErrorKind.UnknownFormat, "not an image in any format we recognise");
        if ((long)codec.Info.Width * codec.Info.Height > maxPixels)
        {
            throw new ClipSharpException(ClipErrorKind.ImageTooLarge, $"{codec.Info.Width}x{codec.Info.Height} is more than {maxPixels} pixels");
        }

        return (4L * codec.Info.Width * codec.Info.Height) + data.Length;
    }

    public void Preprocess(ReadOnlySpan<byte> data, string? name, long maxPixels, Span<float> destination)
    {
        if (data.IsEmpty)
        {
            throw new ClipSharpException(ClipErrorKind.UnknownFormat, "empty data");
        }

        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData) ?? throw new ClipSharpException(ClipErrorKind.UnknownFormat, "not an image in any format we recognise");
        if ((long)codec.Info.Width * codec.Info.Height > maxPixels)
        {
            throw new ClipSharpException(ClipErrorKind.ImageTooLarge, $"{codec.Info.Width}x{codec.Info.Height} is more than {maxPixels} pixels");
        }

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

    public void EmbedTexts(IReadOnlyList<string> texts, Span<float> destination)
    {
        Wait();
        Calls.Enqueue(("text", texts.Count));
        for (int i = 0; i < texts.Count; i++)
        {
            TextVector(texts[i]).CopyTo(destination.Slice(i * Dim, Dim));
        }
    }

    public void EmbedPixels(ReadOnlySpan<float> pixels, int count, Span<float> destination)
    {
        Wait();
        Calls.Enqueue(("image", count));
        int per = PixelsPerImage;
        for (int i = 0; i < count; i++)
        {
            Span<float> target = destination.Slice(i * Dim, Dim);
            ReadOnlySpan<float> image = pixels.Slice(i * per, per);
            for (int d = 0; d < Dim; d++)
            {
                target[d] = TensorPrimitives.Dot(image, _projection.AsSpan(d * per, per)) + 0.01f;
            }

            ClipMath.Normalize(target);
        }
    }

    /// <summary>The embedding this fake gives a text.</summary>
    public static float[] TextVector(string text)
    {
        float[] sum = new float[Dim];
        foreach (string word in text.ToLowerInvariant().Split([' ', ',', '.', '-', '!', '?'], StringSplitOptions.RemoveEmptyEntries))
        {
            var random = new Random(StableHash(word));
            for (int d = 0; d < Dim; d++)
            {
                sum[d] += (float)((random.NextDouble() * 2) - 1);
            }
        }

        sum[0] += 1e-3f;
        ClipMath.Normalize(sum);
        return sum;
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
}
