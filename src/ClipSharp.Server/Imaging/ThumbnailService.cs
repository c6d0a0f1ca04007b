using ClipSharp.Server.Files;
using ClipSharp.Server.Http;
using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace ClipSharp.Server;

/// <summary>
/// JPEG thumbnails of indexed files, upright by their EXIF orientation, fitted into size × size (never enlarged),
/// and kept in a memory cache bounded in bytes (least recently used out first). A cached thumbnail is keyed by the
/// file's id, size, length and modification time, so a changed file gets a new one.
/// </summary>
internal sealed class ThumbnailService : IDisposable
{
    /// <summary>The smallest size that can be asked for.</summary>
    public const int MinSize = 16;

    /// <summary>The largest size that can be asked for.</summary>
    public const int MaxSize = 2048;

    private readonly long _capacity;
    private readonly long _maxPixels;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Data)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, byte[] Data)> _lru = new();
    private long _bytes;

    public ThumbnailService(long capacityBytes, long maxPixels)
    {
        _capacity = capacityBytes;
        _maxPixels = maxPixels;
    }

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    /// <summary>The cache key of a thumbnail (also its ETag).</summary>
    public static string Key(VerifiedFile file, int size) => FormattableString.Invariant($"{file.Version}-{size}");

    /// <summary>The thumbnail of <paramref name="file"/>, from the cache or rendered from its open handle.</summary>
    public byte[] Get(VerifiedFile file, int size)
    {
        string key = Key(file, size);
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                Hits++;
                return node.Value.Data;
            }

            Misses++;
        }

        byte[] data;
        using (var stream = file.OpenStream())
        {
            data = Render(stream, size, _maxPixels);
        }

        lock (_lock)
        {
            if (!_map.ContainsKey(key) && data.Length <= _capacity)
            {
                _map[key] = _lru.AddFirst((key, data));
                _bytes += data.Length;
                while (_bytes > _capacity && _lru.Last is { } last)
                {
                    _lru.RemoveLast();
                    _map.Remove(last.Value.Key);
                    _bytes -= last.Value.Data.Length;
                }
            }
        }

        return data;
    }

    /// <summary>Decodes (downscaled by the codec where it can), orients, fits into size × size, encodes JPEG.</summary>
    public static byte[] Render(Stream stream, int size, long maxPixels)
    {
        using var codec = SKCodec.Create(stream)
            ?? throw new ApiProblemException(StatusCodes.Status422UnprocessableEntity, "not-an-image", "The indexed file cannot be decoded for a thumbnail.");
        var info = codec.Info;
        if ((long)info.Width * info.Height > maxPixels)
        {
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "image-too-large",
                $"The image has {info.Width}×{info.Height} pixels, more than the server's limit of {maxPixels}.");
        }

        float scale = Math.Min(1f, size / (float)Math.Max(info.Width, info.Height));
        SKSizeI decoded = codec.GetScaledDimensions(scale);
        var decodeInfo = new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(decodeInfo);
        var result = codec.GetPixels(decodeInfo, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ApiProblemException(StatusCodes.Status422UnprocessableEntity, "corrupt-image", $"The indexed file cannot be decoded: {result}.");
        }

        // Fit into size × size in the stored orientation, then turn upright.
        float fit = Math.Min(1f, size / (float)Math.Max(info.Width, info.Height));
        int w = Math.Max(1, (int)Math.Round(info.Width * fit));
        int h = Math.Max(1, (int)Math.Round(info.Height * fit));
        SKEncodedOrigin origin = codec.EncodedOrigin;
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        using var surface = SKSurface.Create(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("cannot create a drawing surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        canvas.SetMatrix(OrientationMatrix(origin, w, h));
        using var image = SKImage.FromBitmap(bitmap);
        using var paint = new SKPaint();
        canvas.DrawImage(image, new SKRect(0, 0, w, h), new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        canvas.Flush();
        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Jpeg, 82);
        return encoded.ToArray();
    }

    /// <summary>Maps the stored (w × h) image to its upright position (x' = scaleX·x + skewX·y + transX, …).</summary>
    internal static SKMatrix OrientationMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    public void Dispose()
    {
        lock (_lock)
        {
            _map.Clear();
            _lru.Clear();
            _bytes = 0;
        }
    }
}
