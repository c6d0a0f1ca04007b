using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace ClipSharp.Server.Inference;

/// <summary>
/// The server's view of the model: embeddings through the batching queues, and zero-shot classification and
/// caption ranking on top (class embeddings cached per label and template set) — the same maths as
/// <see cref="ZeroShotClassifier"/>: mean of normalised prompt embeddings, renormalised; softmax(scale · cosine).
/// </summary>
internal sealed class InferenceService : IDisposable
{
    private const int MaxCachedClasses = 20_000;

    private readonly BatchingQueue<IReadOnlyList<string>> _text;
    private readonly BatchingQueue<float[]> _image;
    private readonly ConcurrentDictionary<string, float[]> _classCache = new(StringComparer.Ordinal);
    private readonly int _maxBatch;
    private readonly TimeSpan _decodeMemoryWait;

    /// <param name="backend">The model.</param>
    /// <param name="options">How requests are batched.</param>
    /// <param name="metrics">Where queue lengths and batches are counted.</param>
    /// <param name="decodeMemoryWait">The longest an image waits for decode memory before the request is refused with 503.</param>
    public InferenceService(IClipEmbedder backend, BatchingOptions options, ServerMetrics metrics, TimeSpan decodeMemoryWait)
    {
        _decodeMemoryWait = decodeMemoryWait;
        Backend = backend;
        Dimension = backend.Dimension;
        _maxBatch = Math.Max(1, options.MaxBatchSize);
        int per = backend.PixelsPerImage;
        _text = new BatchingQueue<IReadOnlyList<string>>("text", Dimension, options, metrics, (jobs, items, output) =>
        {
            var texts = new List<string>(items);
            foreach (var job in jobs)
            {
                texts.AddRange(job.Input);
            }

            backend.EmbedTexts(texts, output);
        });
        _image = new BatchingQueue<float[]>("image", Dimension, options, metrics, (jobs, items, output) =>
        {
            float[] pixels;
            if (jobs.Count == 1)
            {
                pixels = jobs[0].Input;
            }
            else
            {
                pixels = new float[items * per];
                int offset = 0;
                foreach (var job in jobs)
                {
                    job.Input.CopyTo(pixels, offset);
                    offset += job.Input.Length;
                }
            }

            backend.EmbedPixels(pixels, items, output);
        });
    }

    public IClipEmbedder Backend { get; }

    public int Dimension { get; }

    public int TextQueueLength => _text.Length;

    public int ImageQueueLength => _image.Length;

    /// <summary>Embeds texts; long lists go through the queue in slices of the batch size.</summary>
    public async Task<float[][]> EmbedTextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var result = new float[texts.Count][];
        for (int start = 0; start < texts.Count; start += _maxBatch)
        {
            int n = Math.Min(_maxBatch, texts.Count - start);
            IReadOnlyList<string> slice = start == 0 && n == texts.Count ? texts : texts.Skip(start).Take(n).ToArray();
            float[] flat = await _text.RunAsync(slice, n, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < n; i++)
            {
                result[start + i] = flat.AsSpan(i * Dimension, Dimension).ToArray();
            }
        }

        return result;
    }

    /// <summary>
    /// Decodes and preprocesses the images on the calling thread, one at a time, each after reserving its estimated
    /// decode memory from the backend's budget (waiting at most the decode memory wait), then embeds them through the queue.
    /// </summary>
    /// <exception cref="ClipSharpException">An image failed, is over the budget on its own (<see cref="ClipErrorKind.ImageTooLarge"/>),
    /// or found the budget's queue full or waited too long (<see cref="ClipErrorKind.Overloaded"/>); its <see cref="ClipSharpException.Input"/> names it.</exception>
    public async Task<float[][]> EmbedImagesAsync(IReadOnlyList<ImageInput> images, long maxPixels, CancellationToken cancellationToken)
    {
        int per = Backend.PixelsPerImage;
        var result = new float[images.Count][];
        for (int start = 0; start < images.Count; start += _maxBatch)
        {
            int n = Math.Min(_maxBatch, images.Count - start);
            float[] pixels = new float[n * per];
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var image = images[start + i];
                try
                {
                    await Backend.PreprocessAsync(image.Data, image.Name, maxPixels, _decodeMemoryWait, pixels.AsMemory(i * per, per), cancellationToken).ConfigureAwait(false);
                }
                catch (ClipSharpException ex)
                {
                    // Named as the client knows it (its index and file name), never by the decoder's "<image data>".
                    throw new ClipSharpException(ex.Kind, ex.Detail, image.Label, ex);
                }
            }

            float[] flat = await _image.RunAsync(pixels, n, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < n; i++)
            {
                result[start + i] = flat.AsSpan(i * Dimension, Dimension).ToArray();
            }
        }

        return result;
    }

    /// <summary>The class embedding of each label for the templates (cached).</summary>
    public async Task<float[][]> ClassEmbeddingsAsync(IReadOnlyList<string> labels, IReadOnlyList<string> templates, string templateKey, CancellationToken cancellationToken)
    {
        var result = new float[labels.Count][];
        var missing = new List<int>();
        for (int i = 0; i < labels.Count; i++)
        {
            if (_classCache.TryGetValue(templateKey + "\u0001" + labels[i], out var cached))
            {
                result[i] = cached;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            int t = templates.Count;
            var prompts = new List<string>(missing.Count * t);
            foreach (int i in missing)
            {
                foreach (string template in templates)
                {
                    prompts.Add(PromptTemplates.Fill(template, labels[i]));
                }
            }

            float[][] embedded = await EmbedTextsAsync(prompts, cancellationToken).ConfigureAwait(false);
            if (_classCache.Count + missing.Count > MaxCachedClasses)
            {
                _classCache.Clear();
            }

            for (int m = 0; m < missing.Count; m++)
            {
                float[] sum = new float[Dimension];
                PromptEnsemble.Average(embedded.AsSpan(m * t, t), sum);
                result[missing[m]] = sum;
                _classCache[templateKey + "\u0001" + labels[missing[m]]] = sum;
            }
        }

        return result;
    }

    /// <summary>Cosines of <paramref name="image"/> with each class and softmax(scale · cosine) over them.</summary>
    public (float[] Cosines, float[] Probabilities) Score(ReadOnlySpan<float> image, float[][] classes)
    {
        float[] cosines = new float[classes.Length];
        for (int c = 0; c < classes.Length; c++)
        {
            cosines[c] = TensorPrimitives.Dot(image, classes[c]);
        }

        float[] probabilities = new float[classes.Length];
        ClipMath.Softmax(cosines, Backend.LogitScale, probabilities);
        return (cosines, probabilities);
    }

    public void Dispose()
    {
        _text.Dispose();
        _image.Dispose();
    }
}

/// <summary>An uploaded image: its bytes, an optional file name, and how to refer to it in errors.</summary>
internal sealed record ImageInput(ReadOnlyMemory<byte> Data, string? Name, string Label);
