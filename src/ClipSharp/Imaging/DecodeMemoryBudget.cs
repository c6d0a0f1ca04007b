using System.Globalization;

namespace ClipSharp.Imaging;

/// <summary>
/// A limit on the memory that image decodes hold at once, shared by everything in a process that decodes: a decode
/// first reserves its estimated peak (see <see cref="ClipModel.EstimateImageMemory"/>), waits while the budget is
/// spent, and returns the bytes when its pixels are released. Waiters are served first come, first served, so a large
/// image is not starved by small ones. Thread-safe.
/// </summary>
/// <remarks>
/// The budget accounts for what the caller reserves; it does not measure the process. What the estimate covers is
/// stated on <see cref="ClipModel.EstimateImageMemory"/>. <see cref="ClipModelOptions.DecodeMemory"/> picks the budget a
/// model uses; by default every model of a process shares <see cref="Shared"/>.
/// </remarks>
public sealed class DecodeMemoryBudget
{
    /// <summary>
    /// The default capacity, 512 MiB: one decode of a 50-megapixel RGB JPEG (about 350 MB at its peak) at a time,
    /// or several of camera-sized photos. Keeps a ViT-B/32 server under 1.5 GB in a burst of such images (measured in
    /// docs/run-the-server.md).
    /// </summary>
    public const long DefaultCapacityBytes = 512L * 1024 * 1024;

    /// <summary>The default number of asynchronous decodes that may wait before more are refused (16).</summary>
    public const int DefaultMaxWaiting = 16;

    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private long _inUse;
    private long _peak;
    private long _waits;
    private long _tooLarge;
    private long _queueFull;
    private long _timedOut;

    /// <summary>Creates a budget of <paramref name="capacityBytes"/> with at most <paramref name="maxWaiting"/> waiting asynchronous reservations.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The capacity is not positive, or <paramref name="maxWaiting"/> is negative.</exception>
    public DecodeMemoryBudget(long capacityBytes, int maxWaiting = DefaultMaxWaiting)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        CapacityBytes = capacityBytes;
        MaxWaiting = maxWaiting;
    }

    /// <summary>The budget every model of the process uses unless <see cref="ClipModelOptions.DecodeMemory"/> names another.</summary>
    public static DecodeMemoryBudget Shared { get; } = new(DefaultCapacityBytes);

    /// <summary>The most bytes reserved at once.</summary>
    public long CapacityBytes { get; }

    /// <summary>The most asynchronous reservations that may wait; one more is refused (<see cref="ClipErrorKind.Overloaded"/>).</summary>
    public int MaxWaiting { get; }

    /// <summary>Bytes reserved now.</summary>
    public long BytesInUse => Interlocked.Read(ref _inUse);

    /// <summary>The most bytes ever reserved at once (never more than <see cref="CapacityBytes"/>).</summary>
    public long PeakBytesInUse => Interlocked.Read(ref _peak);

    /// <summary>Reservations waiting now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Reservations that had to wait for bytes to be released (counted when they start waiting).</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Reservations refused because they alone are larger than the whole budget.</summary>
    public long TooLargeRejections => Interlocked.Read(ref _tooLarge);

    /// <summary>Reservations refused because <see cref="MaxWaiting"/> others were already waiting.</summary>
    public long QueueFullRejections => Interlocked.Read(ref _queueFull);

    /// <summary>Reservations that gave up after waiting their longest allowed time.</summary>
    public long TimedOutRejections => Interlocked.Read(ref _timedOut);

    /// <summary>
    /// Reserves <paramref name="bytes"/>, waiting while the budget is spent. Used by the servers' requests: at most
    /// <see cref="MaxWaiting"/> wait, and a wait longer than <paramref name="maxWait"/> gives up.
    /// </summary>
    /// <param name="bytes">The estimated peak of the decode.</param>
    /// <param name="input">Names the image in errors.</param>
    /// <param name="maxWait">The longest to wait (<see cref="Timeout.InfiniteTimeSpan"/> for no limit).</param>
    /// <param name="cancellationToken">Stops the wait (an <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ClipSharpException"><see cref="ClipErrorKind.ImageTooLarge"/> when <paramref name="bytes"/> exceeds the whole
    /// budget; <see cref="ClipErrorKind.Overloaded"/> when the queue is full or the wait timed out. Both name the limit.</exception>
    public async ValueTask<DecodeMemoryLease> ReserveAsync(long bytes, string? input, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        Waiter? waiter = Enqueue(bytes, input, enforceQueueLimit: true);
        if (waiter is null)
        {
            return new DecodeMemoryLease(this, bytes);
        }

        using var timeout = maxWait == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(maxWait);
        using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        CancellationToken token = linked?.Token ?? cancellationToken;
        using (token.Register(static w => ((Waiter)w!).Owner.Abandon((Waiter)w!), waiter))
        {
            try
            {
                await waiter.Granted.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout is not null)
            {
                Interlocked.Increment(ref _timedOut);
                throw new ClipSharpException(
                    ClipErrorKind.Overloaded,
                    string.Create(CultureInfo.InvariantCulture, $"waited {maxWait.TotalSeconds:0.###} s for {Megabytes(bytes)} of the decode memory budget of {Megabytes(CapacityBytes)} without getting it"),
                    input);
            }
        }

        return new DecodeMemoryLease(this, bytes);
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/>, blocking while the budget is spent. For callers whose own parallelism bounds
    /// how many wait (the file pipeline); the waiting limit does not apply.
    /// </summary>
    /// <exception cref="ClipSharpException"><see cref="ClipErrorKind.ImageTooLarge"/> when <paramref name="bytes"/> exceeds the whole budget.</exception>
    public DecodeMemoryLease Reserve(long bytes, string? input, CancellationToken cancellationToken = default)
    {
        Waiter? waiter = Enqueue(bytes, input, enforceQueueLimit: false);
        if (waiter is not null)
        {
            using (cancellationToken.Register(static w => ((Waiter)w!).Owner.Abandon((Waiter)w!), waiter))
            {
                waiter.Granted.Task.GetAwaiter().GetResult();
            }
        }

        return new DecodeMemoryLease(this, bytes);
    }

    /// <summary>Reserves at once when the bytes fit and nobody waits (returns null), else queues a waiter.</summary>
    private Waiter? Enqueue(long bytes, string? input, bool enforceQueueLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > CapacityBytes)
        {
            Interlocked.Increment(ref _tooLarge);
            throw new ClipSharpException(
                ClipErrorKind.ImageTooLarge,
                $"decoding this image needs an estimated {Megabytes(bytes)}, more than the whole decode memory budget of {Megabytes(CapacityBytes)}",
                input);
        }

        lock (_lock)
        {
            // First come, first served: nobody overtakes a waiter, even when its own bytes would fit.
            if (_queue.Count == 0 && _inUse + bytes <= CapacityBytes)
            {
                Take(bytes);
                return null;
            }

            if (enforceQueueLimit && _queue.Count >= MaxWaiting)
            {
                Interlocked.Increment(ref _queueFull);
                throw new ClipSharpException(
                    ClipErrorKind.Overloaded,
                    $"{_queue.Count} decodes are already waiting for the decode memory budget of {Megabytes(CapacityBytes)} (the most allowed); try again later",
                    input);
            }

            var waiter = new Waiter(this, bytes);
            waiter.Node = _queue.AddLast(waiter);
            Interlocked.Increment(ref _waits);
            return waiter;
        }
    }

    internal void Release(long bytes)
    {
        List<Waiter>? granted = null;
        lock (_lock)
        {
            Interlocked.Add(ref _inUse, -bytes);
            while (_queue.First is { } first && _inUse + first.Value.Bytes <= CapacityBytes)
            {
                _queue.RemoveFirst();
                first.Value.Node = null;
                Take(first.Value.Bytes);
                (granted ??= []).Add(first.Value);
            }
        }

        // Completed outside the lock; continuations run asynchronously (see Waiter).
        if (granted is not null)
        {
            foreach (Waiter w in granted)
            {
                w.Granted.TrySetResult();
            }
        }
    }

    /// <summary>A cancelled wait leaves the queue; when it had already been granted, the await sees the grant instead.</summary>
    private void Abandon(Waiter waiter)
    {
        bool removed = false;
        lock (_lock)
        {
            if (waiter.Node is { } node)
            {
                _queue.Remove(node);
                waiter.Node = null;
                removed = true;
            }
        }

        if (removed)
        {
            waiter.Granted.TrySetCanceled();

            // The head may have been the one blocking smaller waiters behind it.
            Release(0);
        }
    }

    private void Take(long bytes)
    {
        long now = Interlocked.Add(ref _inUse, bytes);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }

    private static string Megabytes(long bytes)
        => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MiB");

    private sealed class Waiter(DecodeMemoryBudget owner, long bytes)
    {
        public DecodeMemoryBudget Owner { get; } = owner;

        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Its place in the queue; null once granted or abandoned (guarded by the budget's lock).</summary>
        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
