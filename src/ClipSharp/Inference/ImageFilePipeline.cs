using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using ClipSharp.Imaging;

namespace ClipSharp;

/// <summary>
/// The streaming file pipeline behind <see cref="ClipModel.EncodeImageFiles(IEnumerable{string}, CancellationToken)"/>:
/// a background task reads, decodes and preprocesses files in batches (files of one batch in parallel) while the
/// caller's thread embeds the previous batch. Three batches circulate (one being filled, one waiting, one being
/// embedded), so memory stays constant whatever the number of files.
/// </summary>
internal sealed class ImageFilePipeline
{
    /// <summary>Batches in circulation: one being filled, one ready, one being embedded.</summary>
    private const int Batches = 3;

    private readonly ClipModel _model;
    private readonly int _batch;
    private readonly int _per;

    /// <param name="model">The model whose preprocessing and vision tower the files go through.</param>
    /// <param name="maxBatchSize">Files per batch (at least 1).</param>
    public ImageFilePipeline(ClipModel model, int maxBatchSize)
    {
        _model = model;
        _batch = Math.Max(1, maxBatchSize);
        _per = 3 * model.ImageSize * model.ImageSize;
    }

    /// <summary>
    /// Embeds <paramref name="paths"/> decoded with <paramref name="decode"/>; one result per file, in input order. A
    /// file that cannot be read or decoded yields a result with its error and never stops the others.
    /// </summary>
    public IEnumerable<ImageEmbeddingResult> Run(IEnumerable<string> paths, ImageDecodeOptions decode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        int per = _per;
        int dim = _model.EmbeddingDimension;
        float[] embeddings = new float[_batch * dim];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var ready = new BlockingCollection<ImageFileBatch>(1);
        using var free = new BlockingCollection<ImageFileBatch>(Batches);
        for (int i = 0; i < Batches; i++)
        {
            free.Add(new ImageFileBatch(_batch, per));
        }

        Exception? producerError = null;
        Task producer = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    ProduceBatches(paths, decode, free, ready, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    producerError = ex;
                }
                finally
                {
                    ready.CompleteAdding();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            while (true)
            {
                ImageFileBatch? current = null;
                try
                {
                    if (!ready.TryTake(out current, Timeout.Infinite, cancellationToken))
                    {
                        break;
                    }
                }
                catch (InvalidOperationException) when (ready.IsAddingCompleted)
                {
                    break;
                }

                int good = current.Compact(per);
                if (good > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    _model.EncodePixels(current.Pixels.AsSpan(0, good * per), good, embeddings.AsSpan(0, good * dim));
                }

                int next = 0;
                for (int i = 0; i < current.Count; i++)
                {
                    if (current.Errors[i] is { } error)
                    {
                        yield return new ImageEmbeddingResult(current.Paths[i], null, error);
                    }
                    else
                    {
                        yield return new ImageEmbeddingResult(current.Paths[i], embeddings.AsSpan(next * dim, dim).ToArray(), null);
                        next++;
                    }
                }

                free.Add(current, CancellationToken.None);
            }

            if (producerError is not null)
            {
                ExceptionDispatchInfo.Capture(producerError).Throw();
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None);
        }
    }

    /// <summary>The background side: fills free batches from <paramref name="paths"/> and hands them over as ready.</summary>
    private void ProduceBatches(
        IEnumerable<string> paths,
        ImageDecodeOptions decode,
        BlockingCollection<ImageFileBatch> free,
        BlockingCollection<ImageFileBatch> ready,
        CancellationToken cancellationToken)
    {
        int per = _per;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        using var enumerator = paths.GetEnumerator();
        while (true)
        {
            ImageFileBatch b = free.Take(cancellationToken);
            b.Count = 0;
            while (b.Count < b.Paths.Length && enumerator.MoveNext())
            {
                b.Paths[b.Count++] = enumerator.Current;
            }

            if (b.Count == 0)
            {
                return;
            }

            Array.Clear(b.Errors);
            Parallel.For(0, b.Count, parallel, i =>
            {
                try
                {
                    _model.PreprocessFile(b.Paths[i], decode, b.Pixels.AsSpan(i * per, per), cancellationToken);
                }
                catch (ClipSharpException ex)
                {
                    b.Errors[i] = ex.WithInput(b.Paths[i]);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    b.Errors[i] = new ClipSharpException(ClipErrorKind.Io, ex.Message, b.Paths[i], ex);
                }
            });
            ready.Add(b, cancellationToken);
        }
    }
}
