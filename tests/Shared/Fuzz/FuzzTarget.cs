namespace ClipSharp.Tests.Fuzz;

/// <summary>
/// A parser under fuzz: how to run it on one input, which exceptions are its documented way of refusing input, and
/// how many managed bytes one call may allocate for an input of a given length.
/// </summary>
internal sealed class FuzzTarget
{
    /// <summary>Names the parser in reports ("PNG decoder").</summary>
    public required string Name { get; init; }

    /// <summary>Runs the parser on one input; returning is acceptance, throwing is rejection.</summary>
    public required Action<byte[]> Parse { get; init; }

    /// <summary>Null when the exception is the documented refusal, otherwise why it is not (a bug).</summary>
    public required Func<Exception, string?> CheckRejection { get; init; }

    /// <summary>The most managed memory one call may allocate, from the input's length (and the target's declared limits).</summary>
    public required Func<int, long> AllocationBound { get; init; }

    /// <summary>
    /// The usual check of a library entry point: a <see cref="ClipSharpException"/> whose <see cref="ClipSharpException.Input"/>
    /// is <paramref name="input"/>, and that does not wrap an index or null error (a bounds bug hidden behind a tidy message).
    /// </summary>
    public static string? ClipSharpRejection(Exception ex, string input)
    {
        if (ex is not ClipSharpException c)
        {
            return $"{ex.GetType().Name} instead of ClipSharpException";
        }

        if (c.Input != input)
        {
            return $"the error names '{c.Input}', not the input '{input}'";
        }

        for (Exception? inner = c.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is IndexOutOfRangeException or ArgumentOutOfRangeException or NullReferenceException or KeyNotFoundException or DivideByZeroException)
            {
                return $"the ClipSharpException wraps {inner.GetType().Name} (a bounds bug, not a checked refusal): {inner.Message}";
            }
        }

        return null;
    }
}
