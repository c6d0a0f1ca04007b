using System.Threading.Channels;

namespace ClipSharp.Server.Inference;

/// <summary>
/// Dynamic batching for one model tower: requests (each with one or more items) are queued, and one worker
/// thread combines the requests that arrive within a short window into a single inference call of at most
/// <see cref="BatchingOptions.MaxBatchSize"/> items. The queue is bounded in items; a request that would overflow
/// it is refused at once with <see cref="QueueFullException"/>.
/// </summary>
/// <typeparam name="TInput">What one request carries (texts, or preprocessed pixels).</typeparam>
internal sealed class BatchingQueue<TInput> : IDisposable
{
    private readonly Channel<Job> _channel = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<IReadOnlyList<Job>, int, Span<float>> _run;
    private readonly int _dimension;
    private readonly bool _enabled;
    private readonly TimeSpan _window;
    private readonly int _maxBatch;
    private readonly int _capacity;
    private readonly ServerMetrics _metrics;
    private readonly string _kind;
    private readonly Thread _worker;
    private int _queued;

    /// <param name="kind">"text" or "image", for metrics.</param>
    /// <param name="dimension">Embedding width.</param>
    /// <param name="options">Batching options.</param>
    /// <param name="metrics">Where batch sizes and queue lengths go.</param>
    /// <param name="run">Runs one inference call over the jobs (total item count given), writing [items, dim] floats.</param>
    public BatchingQueue(string kind, int dimension, BatchingOptions options, ServerMetrics metrics, Action<IReadOnlyList<Job>, int, Span<float>> run)
    {
        _kind = kind;
        _dimension = dimension;
        _enabled = options.Enabled;
        _window = options.Window;
        _maxBatch = Math.Max(1, options.MaxBatchSize);
        _capacity = Math.Max(1, options.QueueCapacity);
        _metrics = metrics;
        _run = run;
        _worker = new Thread(Work) { IsBackground = true, Name = "clipsharp-batch-" + kind };
        _worker.Start();
    }

    /// <summary>Items waiting or running.</summary>
    public int Length => Volatile.Read(ref _queued);

    /// <summary>One request's share of the work.</summary>
    internal sealed class Job(TInput input, int count, CancellationToken cancellationToken)
    {
        public TInput Input { get; } = input;

        public int Count { get; } = count;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Queues <paramref name="count"/> items and returns their embeddings ([count, dim], flat).</summary>
    /// <exception cref="QueueFullException">The queue holds too many items already.</exception>
    public async Task<float[]> RunAsync(TInput input, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return [];
        }

        int after = Interlocked.Add(ref _queued, count);
        if (after > _capacity && after != count)
        {
            Interlocked.Add(ref _queued, -count);
            _metrics.Rejected(_kind);
            throw new QueueFullException($"the {_kind} inference queue is full ({_capacity} items); try again shortly");
        }

        _metrics.SetQueueLength(_kind, after);
        var job = new Job(input, count, cancellationToken);
        if (!_channel.Writer.TryWrite(job))
        {
            Interlocked.Add(ref _queued, -count);
            throw new ObjectDisposedException(nameof(BatchingQueue<TInput>));
        }

        using var registration = cancellationToken.Register(static j => ((Job)j!).Result.TrySetCanceled(), job);
        return await job.Result.Task.ConfigureAwait(false);
    }

    private void Work()
    {
        var reader = _channel.Reader;
        var batch = new List<Job>();
        Job? carry = null;
        while (true)
        {
            batch.Clear();
            Job? first = carry;
            carry = null;
            if (first is null)
            {
                try
                {
                    if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                    {
                        return;
                    }
                }
                catch (ChannelClosedException)
                {
                    return;
                }

                if (!reader.TryRead(out first))
                {
                    continue;
                }
            }

            batch.Add(first);
            int total = first.Count;
            if (_enabled)
            {
                long deadline = Environment.TickCount64 + (long)Math.Ceiling(_window.TotalMilliseconds);
                var spin = new SpinWait();
                while (total < _maxBatch)
                {
                    if (reader.TryRead(out var next))
                    {
                        if (total + next.Count > _maxBatch)
                        {
                            carry = next;
                            break;
                        }

                        batch.Add(next);
                        total += next.Count;
                        continue;
                    }

                    if (Environment.TickCount64 >= deadline)
                    {
                        break;
                    }

                    spin.SpinOnce(sleep1Threshold: 10);
                }
            }

            Execute(batch);
        }
    }

    private void Execute(List<Job> batch)
    {
        // Requests that gave up (timeout, client gone) while waiting are dropped before inference.
        var live = batch.FindAll(j => !j.Result.Task.IsCompleted && !j.CancellationToken.IsCancellationRequested);
        int released = 0;
        foreach (var j in batch)
        {
            released += j.Count;
        }

        try
        {
            if (live.Count == 0)
            {
                return;
            }

            int items = live.Sum(j => j.Count);
            float[] output = new float[items * _dimension];
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            _run(live, items, output);
            _metrics.Batch(_kind, items, live.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            int offset = 0;
            foreach (var job in live)
            {
                int length = job.Count * _dimension;
                job.Result.TrySetResult(output.AsSpan(offset, length).ToArray());
                offset += length;
            }
        }
#pragma warning disable CA1031 // The worker must survive any failure and hand it to the waiting requests.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var job in live)
            {
                job.Result.TrySetException(ex);
            }
        }
        finally
        {
            int now = Interlocked.Add(ref _queued, -released);
            _metrics.SetQueueLength(_kind, now);
        }
    }

    /// <summary>Stops accepting work; the worker ends when the queue is drained.</summary>
    public void Dispose() => _channel.Writer.TryComplete();
}
