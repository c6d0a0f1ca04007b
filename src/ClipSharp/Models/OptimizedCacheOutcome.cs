namespace ClipSharp.Models;

/// <summary>What <see cref="ModelHub.PrepareOptimizedCache"/> did.</summary>
internal enum OptimizedCacheOutcome
{
    /// <summary>The optimised-model cache is off (<c>CLIPSHARP_OPTIMIZED_MODELS=off</c>): nothing to do.</summary>
    Disabled,

    /// <summary>New entries were written for this processor.</summary>
    Written,

    /// <summary>Entries for this processor were already there.</summary>
    AlreadyPresent,

    /// <summary>No entry could be written (no writable folder, a write failed); loads optimise in memory as without the cache.</summary>
    NotWritten,

    /// <summary>Not attempted: the disk has less free space than the entries would take.</summary>
    NoSpace,
}
