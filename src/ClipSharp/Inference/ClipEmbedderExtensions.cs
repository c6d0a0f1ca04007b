namespace ClipSharp;

/// <summary>Conveniences over <see cref="IClipEmbedder"/>'s span-based calls.</summary>
public static class ClipEmbedderExtensions
{
    /// <summary>Embeds texts; one normalised vector per text, in order.</summary>
    public static float[][] EmbedTexts(this IClipEmbedder embedder, IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(texts);
        int dim = embedder.Dimension;
        float[] flat = new float[texts.Count * dim];
        embedder.EmbedTexts(texts, flat);
        return Split(flat, texts.Count, dim);
    }

    /// <summary>
    /// Decodes, preprocesses and embeds encoded images (the bytes of image files), each after reserving its estimated
    /// decode memory from <see cref="IClipEmbedder.DecodeMemory"/> (waiting at most <paramref name="maxWait"/>), in
    /// batches of <see cref="IClipEmbedder.PreferredBatchSize"/>; one normalised vector per image, in order.
    /// </summary>
    /// <exception cref="ClipSharpException">An image is not one, is unsupported, corrupt, over <paramref name="maxPixels"/>, over the
    /// budget on its own, or the budget is overloaded; the message names the image's name (or its position).</exception>
    public static async Task<float[][]> EmbedEncodedImagesAsync(this IClipEmbedder embedder, IReadOnlyList<(ReadOnlyMemory<byte> Data, string? Name)> images,
        long maxPixels, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(images);
        int per = embedder.PixelsPerImage;
        int dim = embedder.Dimension;
        int batch = Math.Max(1, embedder.PreferredBatchSize);
        var result = new float[images.Count][];
        for (int start = 0; start < images.Count; start += batch)
        {
            int n = Math.Min(batch, images.Count - start);
            float[] pixels = new float[n * per];
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (data, name) = images[start + i];
                await embedder.PreprocessAsync(data, name ?? $"image {start + i}", maxPixels, maxWait, pixels.AsMemory(i * per, per), cancellationToken).ConfigureAwait(false);
            }

            float[] flat = new float[n * dim];
            embedder.EmbedPixels(pixels, n, flat);
            Split(flat, n, dim).CopyTo(result, start);
        }

        return result;
    }

    /// <summary>
    /// Preprocesses one encoded image into <paramref name="destination"/> after reserving its estimated decode memory from
    /// <see cref="IClipEmbedder.DecodeMemory"/>, waiting at most <paramref name="maxWait"/>: the one way uploads are
    /// decoded under the budget (the server and the image generator).
    /// </summary>
    /// <exception cref="ClipSharpException">The image failed, is over the budget on its own (<see cref="ClipErrorKind.ImageTooLarge"/>), or
    /// found the budget's queue full or waited too long (<see cref="ClipErrorKind.Overloaded"/>).</exception>
    public static async ValueTask PreprocessAsync(this IClipEmbedder embedder, ReadOnlyMemory<byte> data, string? name, long maxPixels, TimeSpan maxWait,
        Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        long need = embedder.EstimateDecodeBytes(data.Span, name, maxPixels);
        using (await embedder.DecodeMemory.ReserveAsync(need, name, maxWait, cancellationToken).ConfigureAwait(false))
        {
            embedder.Preprocess(data.Span, name, maxPixels, destination.Span);
        }
    }

    private static float[][] Split(float[] flat, int count, int dim)
    {
        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            result[i] = flat.AsSpan(i * dim, dim).ToArray();
        }

        return result;
    }
}
