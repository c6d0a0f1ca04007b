using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// Runs a deterministic mutation fuzz: case <c>i</c> of seed <c>S</c> draws everything from <c>new Random(S * 1000003 + i)</c>
/// (which seed input, which mutations), so a failure report's (seed, case) pair rebuilds the exact input with
/// <see cref="Input"/>. Each case must end in acceptance or the target's documented refusal, within
/// <see cref="CaseTimeout"/> and within the target's allocation bound (managed bytes allocated by the calling thread).
/// </summary>
internal static partial class FuzzRunner
{
    /// <summary>
    /// Far above any case's real time (milliseconds): only a hang (an endless loop on crafted input) trips it, even on a
    /// slow, loaded CI machine.
    /// </summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The input of case <paramref name="index"/> of a run: the same bytes the run parsed.</summary>
    public static byte[] Input(int seed, int index, IReadOnlyList<byte[]> seeds, Func<Random, byte[], byte[]> mutate)
    {
        var rng = new Random(unchecked((seed * 1_000_003) + index));
        byte[] original = seeds[rng.Next(seeds.Count)];
        // One case in eight parses a seed input unchanged, so the valid path is exercised (and checked) too.
        return rng.Next(8) == 0 ? original : mutate(rng, original);
    }

    /// <summary>
    /// Runs <paramref name="cases"/> cases and fails the calling test with every failing (seed, case), the exception or
    /// the allocation, listed. Returns the report for the test's own assertions (e.g. that some inputs were accepted).
    /// </summary>
    public static FuzzReport Run(FuzzTarget target, IReadOnlyList<byte[]> seeds, int cases, int seed, Func<Random, byte[], byte[]> mutate)
    {
        Assert.NotEmpty(seeds);
        var report = new FuzzReport(target.Name, seed);
        long caseStarted = 0;
        int current = -1;
        Exception? crash = null;

        // The cases run on their own thread so that a hang is observed (and reported) instead of stalling the test run,
        // and so that GC.GetAllocatedBytesForCurrentThread counts the parser's allocations only.
        var worker = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < cases; i++)
                {
                    byte[] input = Input(seed, i, seeds, mutate);
                    Volatile.Write(ref current, i);
                    Volatile.Write(ref caseStarted, Stopwatch.GetTimestamp());
                    RunCase(target, input, i, report);
                }
            }
            catch (Exception ex)
            {
                crash = ex;
            }
        }, 16 * 1024 * 1024)
        {
            IsBackground = true,
            Name = "fuzz " + target.Name,
        };
        worker.Start();
        while (!worker.Join(50))
        {
            long started = Volatile.Read(ref caseStarted);
            if (started != 0 && Stopwatch.GetElapsedTime(started) > CaseTimeout)
            {
                // The worker is a background thread stuck in the parser: it is abandoned, and the test fails naming the case.
                Assert.Fail($"{target.Name}: case {Volatile.Read(ref current)} (seed {seed}) did not finish within {CaseTimeout.TotalSeconds:0} s (a hang); rebuild it with FuzzRunner.Input({seed}, {Volatile.Read(ref current)}, …)");
            }
        }

        if (crash is not null)
        {
            throw new InvalidOperationException($"{target.Name}: the fuzz runner itself failed at case {current}", crash);
        }

        if (report.Failures.Count > 0)
        {
            Assert.Fail($"{target.Name}: {report.Failures.Count} of {cases} cases (seed {seed}) broke the contract; rebuild one with FuzzRunner.Input(seed, case, …):\n"
                + string.Join('\n', report.Failures.Take(20)));
        }

        return report;
    }

    private static void RunCase(FuzzTarget target, byte[] input, int index, FuzzReport report)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = null;
        try
        {
            target.Parse(input);
        }
#pragma warning disable CA1031 // every exception is classified: the documented refusal or a failure of the case
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        report.Cases++;
        report.MaxAllocated = Math.Max(report.MaxAllocated, allocated);
        string where = string.Create(CultureInfo.InvariantCulture, $"case {index} (seed {report.Seed}, {input.Length} bytes)");
        if (error is null)
        {
            report.Accepted++;
        }
        else if (target.CheckRejection(error) is { } why)
        {
            report.Failures.Add($"{where}: {why}\n    {error.GetType().FullName}: {error.Message}\n    {FirstFrames(error)}");
        }
        else
        {
            report.Rejected++;
            string key = Category(error);
            report.RejectedBy[key] = report.RejectedBy.GetValueOrDefault(key) + 1;
        }

        long bound = target.AllocationBound(input.Length);
        if (allocated > bound)
        {
            report.Failures.Add(string.Create(CultureInfo.InvariantCulture, $"{where}: allocated {allocated:N0} bytes, more than the bound of {bound:N0} for this input ({(error is null ? "accepted" : error.Message)})"));
        }
    }

    private static string FirstFrames(Exception ex)
    {
        Exception root = ex;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        return string.Join(" <- ", (root.StackTrace ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Take(4));
    }

    /// <summary>Groups refusals by kind and message shape (numbers and quoted names blanked).</summary>
    private static string Category(Exception ex)
    {
        string message = ex is ClipSharpException c ? $"{c.Kind}: {c.Detail}" : $"{ex.GetType().Name}: {ex.Message}";
        message = Numbers().Replace(Quoted().Replace(message, "'…'"), "#");
        return message.Length > 90 ? message[..90] : message;
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Numbers();

    [GeneratedRegex("'[^']*'")]
    private static partial Regex Quoted();
}
