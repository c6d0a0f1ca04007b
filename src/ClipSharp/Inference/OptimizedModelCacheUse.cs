namespace ClipSharp;

/// <summary>How a tower's session was created with respect to the optimised-model cache.</summary>
internal enum OptimizedModelCacheUse
{
    /// <summary>The cache is off (option, environment, or a GPU provider): the original model was loaded.</summary>
    Disabled,

    /// <summary>The optimised graph and its pre-packed weights were loaded from a cache entry.</summary>
    Loaded,

    /// <summary>The original model was loaded and optimised, and the result written to a new cache entry.</summary>
    Written,

    /// <summary>The original model was loaded; no entry was written (no writable folder, a write failed, or another writer won).</summary>
    NotWritten,
}
