namespace ClipSharp.Models;

/// <summary>The result of preparing a model's optimised-model cache.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="OptimizedBytes">Bytes of the model's optimised-cache entries afterwards.</param>
/// <param name="NeededBytes">The space the entries were expected to take (the free-space check).</param>
/// <param name="Elapsed">Time spent loading and optimising.</param>
internal sealed record ModelPreparation(OptimizedCacheOutcome Outcome, long OptimizedBytes, long NeededBytes, TimeSpan Elapsed);
