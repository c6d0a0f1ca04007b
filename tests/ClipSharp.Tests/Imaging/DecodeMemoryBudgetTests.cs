using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

public class DecodeMemoryBudgetTests
{
    private static readonly TimeSpan s_noLimit = Timeout.InfiniteTimeSpan;

    [Fact]
    public async Task DecodeMemoryBudget_ReservationThatFits_IsGrantedAtOnceAndCounted()
    {
        var budget = new DecodeMemoryBudget(100);
        using (var lease = await budget.ReserveAsync(60, "a.jpg", s_noLimit, CancellationToken.None))
        {
            Assert.Equal(60, lease.Bytes);
            Assert.Equal(60, budget.BytesInUse);
        }

        Assert.Equal(0, budget.BytesInUse);
        Assert.Equal(60, budget.PeakBytesInUse);
        Assert.Equal(0, budget.Waits);
    }

    [Fact]
    public async Task DecodeMemoryBudget_SpentBudget_WaitsUntilALeaseIsReleased()
    {
        var budget = new DecodeMemoryBudget(100);
        var first = await budget.ReserveAsync(70, "a.jpg", s_noLimit, CancellationToken.None);
        var second = budget.ReserveAsync(50, "b.jpg", s_noLimit, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.Equal(1, budget.Waiting);
        Assert.Equal(1, budget.Waits);

        first.Dispose();
        using var lease = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(50, budget.BytesInUse);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task DecodeMemoryBudget_CancelledWait_LeavesTheQueueAndReservesNothing()
    {
        var budget = new DecodeMemoryBudget(100);
        using var held = await budget.ReserveAsync(100, "a.jpg", s_noLimit, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = budget.ReserveAsync(10, "b.jpg", s_noLimit, cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, budget.Waiting);
        Assert.Equal(100, budget.BytesInUse);
    }

    [Fact]
    public void DecodeMemoryBudget_CancelledSynchronousWait_Throws()
    {
        var budget = new DecodeMemoryBudget(100);
        using var held = budget.Reserve(100, "a.jpg");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.ThrowsAny<OperationCanceledException>(() => budget.Reserve(10, "b.jpg", cancel.Token));
        Assert.Equal(0, budget.Waiting);
        Assert.Equal(100, budget.BytesInUse);
    }

    [Fact]
    public async Task DecodeMemoryBudget_ReservationOverTheWholeBudget_IsRejectedNamingTheLimitAndTheInput()
    {
        var budget = new DecodeMemoryBudget(64L * 1024 * 1024);

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => budget.ReserveAsync(65L * 1024 * 1024, "huge.jpg", s_noLimit, CancellationToken.None).AsTask());
        Assert.Equal(ClipErrorKind.ImageTooLarge, ex.Kind);
        Assert.Equal("huge.jpg", ex.Input);
        Assert.Contains("65 MiB", ex.Message, StringComparison.Ordinal);
        Assert.Contains("decode memory budget of 64 MiB", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, budget.TooLargeRejections);
        Assert.Equal(0, budget.BytesInUse);

        var sync = Assert.Throws<ClipSharpException>(() => budget.Reserve(65L * 1024 * 1024, "huge.png"));
        Assert.Equal(ClipErrorKind.ImageTooLarge, sync.Kind);
        Assert.Equal("huge.png", sync.Input);
    }

    [Fact]
    public async Task DecodeMemoryBudget_FullQueue_RejectsAsOverloaded()
    {
        var budget = new DecodeMemoryBudget(100, maxWaiting: 2);
        var held = await budget.ReserveAsync(100, "a.jpg", s_noLimit, CancellationToken.None);
        var w1 = budget.ReserveAsync(10, "b.jpg", s_noLimit, CancellationToken.None).AsTask();
        var w2 = budget.ReserveAsync(10, "c.jpg", s_noLimit, CancellationToken.None).AsTask();

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => budget.ReserveAsync(10, "d.jpg", s_noLimit, CancellationToken.None).AsTask());
        Assert.Equal(ClipErrorKind.Overloaded, ex.Kind);
        Assert.Equal("d.jpg", ex.Input);
        Assert.Contains("2 decodes are already waiting", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, budget.QueueFullRejections);

        held.Dispose();
        (await w1).Dispose();
        (await w2).Dispose();
        Assert.Equal(0, budget.BytesInUse);
    }

    [Fact]
    public async Task DecodeMemoryBudget_SynchronousWaiters_AreNotLimitedByTheQueue()
    {
        var budget = new DecodeMemoryBudget(100, maxWaiting: 0);
        var held = await budget.ReserveAsync(100, "a.jpg", s_noLimit, CancellationToken.None);
        var blocked = Task.Run(() => budget.Reserve(10, "b.jpg"));
        while (budget.Waiting == 0)
        {
            await Task.Delay(5);
        }

        held.Dispose();
        using var lease = await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(10, budget.BytesInUse);
    }

    [Fact]
    public async Task DecodeMemoryBudget_WaitLongerThanItsLimit_IsRejectedAsOverloaded()
    {
        var budget = new DecodeMemoryBudget(100);
        using var held = await budget.ReserveAsync(100, "a.jpg", s_noLimit, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => budget.ReserveAsync(10, "b.jpg", TimeSpan.FromMilliseconds(50), CancellationToken.None).AsTask());
        Assert.Equal(ClipErrorKind.Overloaded, ex.Kind);
        Assert.Equal("b.jpg", ex.Input);
        Assert.Contains("waited 0.05 s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, budget.TimedOutRejections);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task DecodeMemoryBudget_LeaseDisposedTwice_ReleasesOnce()
    {
        var budget = new DecodeMemoryBudget(100);
        var a = await budget.ReserveAsync(40, "a.jpg", s_noLimit, CancellationToken.None);
        using var b = await budget.ReserveAsync(30, "b.jpg", s_noLimit, CancellationToken.None);
        a.Dispose();
        a.Dispose();

        Assert.Equal(30, budget.BytesInUse);
    }

    [Fact]
    public async Task DecodeMemoryBudget_ExceptionInsideALease_ReleasesTheBytes()
    {
        var budget = new DecodeMemoryBudget(100);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            using (await budget.ReserveAsync(80, "a.jpg", s_noLimit, CancellationToken.None))
            {
                throw new InvalidOperationException("decoder failed");
            }
        });
        Assert.Equal(0, budget.BytesInUse);
        using var next = await budget.ReserveAsync(100, "b.jpg", s_noLimit, CancellationToken.None);
    }

    [Fact]
    public async Task DecodeMemoryBudget_SmallWaiterBehindALargeOne_DoesNotOvertakeIt()
    {
        var budget = new DecodeMemoryBudget(100);
        var held = await budget.ReserveAsync(60, "a.jpg", s_noLimit, CancellationToken.None);
        var large = budget.ReserveAsync(90, "large.jpg", s_noLimit, CancellationToken.None).AsTask();
        var small = budget.ReserveAsync(20, "small.jpg", s_noLimit, CancellationToken.None).AsTask();
        await Task.Delay(50);

        // 20 bytes would fit beside the 60 held, but the 90-byte waiter came first. (They do not fit together beside
        // each other either, so the small one must still wait once the large one holds its 90: with 10 bytes the two
        // were granted together and the check below raced the small one's continuation.)
        Assert.False(small.IsCompleted);
        held.Dispose();
        var largeLease = await large.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(small.IsCompleted);
        largeLease.Dispose();
        using var smallLease = await small.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(20, budget.BytesInUse);
    }

    [Fact]
    public async Task DecodeMemoryBudget_CancelledHeadWaiter_LetsTheWaitersBehindItThrough()
    {
        var budget = new DecodeMemoryBudget(100);
        using var held = await budget.ReserveAsync(60, "a.jpg", s_noLimit, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var large = budget.ReserveAsync(90, "large.jpg", s_noLimit, cancel.Token).AsTask();
        var small = budget.ReserveAsync(10, "small.jpg", s_noLimit, CancellationToken.None).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => large);
        using var smallLease = await small.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(70, budget.BytesInUse);
    }

    [Fact]
    public async Task DecodeMemoryBudget_ManyConcurrentReservations_NeverHoldMoreThanTheCapacity()
    {
        const long capacity = 1000;
        var budget = new DecodeMemoryBudget(capacity, maxWaiting: 1000);
        long holding = 0, most = 0;
        var random = new Random(20261203);
        int[] sizes = Enumerable.Range(0, 400).Select(_ => random.Next(1, 700)).ToArray();
        await Parallel.ForAsync(0, sizes.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            using (await budget.ReserveAsync(sizes[i], $"{i}.jpg", s_noLimit, token))
            {
                // Counted by the test, independently of the budget's own accounting.
                long now = Interlocked.Add(ref holding, sizes[i]);
                long seen;
                while (now > (seen = Interlocked.Read(ref most)) && Interlocked.CompareExchange(ref most, now, seen) != seen)
                {
                }

                await Task.Yield();
                Interlocked.Add(ref holding, -sizes[i]);
            }
        });

        Assert.InRange(most, 1, capacity);
        Assert.InRange(budget.PeakBytesInUse, most, capacity);
        Assert.Equal(0, budget.BytesInUse);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public void DecodeMemoryBudget_NonPositiveCapacity_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodeMemoryBudget(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodeMemoryBudget(100, maxWaiting: -1));
    }
}
