using ClipSharp.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace ClipSharp;

/// <summary>
/// Creates the ONNX Runtime session of one tower as the options ask: on the CPU through the optimised-model cache
/// (<see cref="OptimizedModelCache"/>; loading a complete entry, or writing one while the original is optimised, with
/// the vision graph pruned to the class token first when <see cref="ClipModelOptions.PruneToClassToken"/> is on), or
/// from the original model (cache off, no writable cache folder, or a CUDA session). Records how it went.
/// </summary>
internal sealed class TowerSessionLoader
{
    private readonly string _path;
    private readonly bool _isText;
    private readonly ClipModelOptions _options;

    public TowerSessionLoader(string path, bool isText, ClipModelOptions options)
    {
        _path = path;
        _isText = isText;
        _options = options;
    }

    /// <summary>Whether the session came from the optimised-model cache (valid once loaded).</summary>
    public OptimizedModelCacheUse CacheUse { get; private set; }

    /// <summary>The cache entry folder the session was loaded from or wrote, if any (valid once loaded).</summary>
    public string? CacheEntry { get; private set; }

    /// <summary>What <see cref="ClassTokenPruning"/> did to the graph when this load wrote the optimised-model cache, or null.</summary>
    public ClassTokenPruning.Result? Pruning { get; private set; }

    /// <summary>
    /// Creates the session: from a cache entry when one is complete, else from the original (pruned where that applies)
    /// while writing a new entry, else from the original as it is.
    /// </summary>
    public TowerSession Load()
    {
        OptimizedModelCache? cache = _options.OptimizedModelCache && _options.ExecutionProvider == ClipExecutionProvider.Cpu
            ? OptimizedModelCache.Create(_path, _options.OptimizedModelCacheDirectory, _options.OptimizedModelCacheUserRoot, Prunes ? "class-token" : "")
            : null;
        if (cache is null)
        {
            CacheUse = OptimizedModelCacheUse.Disabled;
            return OpenOriginal();
        }

        if (cache.FindEntry() is { } entry)
        {
            // The entry holds the graph after every optimisation pass and the pre-packed weights: optimising again would
            // only repeat the work, so it is loaded as it is (its weights are memory-mapped).
            SessionOptions so = CreateSessionOptions(GraphOptimizationLevel.ORT_DISABLE_ALL);
            InferenceSession? session = null;
            try
            {
                session = new InferenceSession(entry, so);
            }
            catch (OnnxRuntimeException)
            {
                // Damaged in a way the manifest did not catch: drop it and rebuild it from the original below.
                so.Dispose();
                OptimizedModelCache.Discard(entry);
            }

            if (session is not null)
            {
                CacheUse = OptimizedModelCacheUse.Loaded;
                CacheEntry = Path.GetDirectoryName(entry);
                return Finish(session, so);
            }
        }

        if (cache.BeginWrite() is { } pending)
        {
            SessionOptions so = CreateSessionOptions(OptimizedModelCache.Level);
            // ONNX Runtime warns that an ENABLE_ALL graph is specific to this processor; the cache key includes the
            // processor's features, and the library does not print.
            so.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
            pending.Configure(so);
            InferenceSession? session = null;
            try
            {
                session = CreateSessionForCache(so, pending);
            }
            catch (OnnxRuntimeException)
            {
                // Writing failed (disk full, …) or the model is bad: load it again without the cache, which reports a
                // bad model as such.
                so.Dispose();
                pending.Abandon();
            }

            if (session is not null)
            {
                bool written = pending.Commit();
                CacheUse = written ? OptimizedModelCacheUse.Written : OptimizedModelCacheUse.NotWritten;
                CacheEntry = written ? pending.EntryDirectory : null;
                if (written && ReopenFromEntry(cache) is { } mapped)
                {
                    // The session that wrote the entry holds every weight (and its packed copy) in process memory,
                    // about twice the model's size; the entry's session maps them instead, as every later start does.
                    session.Dispose();
                    so.Dispose();
                    NativeHeap.Trim();
                    return mapped;
                }

                return Finish(session, so);
            }
        }

        CacheUse = OptimizedModelCacheUse.NotWritten;
        return OpenOriginal();
    }

    private bool Prunes => _options.PruneToClassToken && !_isText;

    /// <summary>A session over the entry just written (weights memory-mapped), or null when it cannot be opened.</summary>
    private TowerSession? ReopenFromEntry(OptimizedModelCache cache)
    {
        if (cache.FindEntry() is not { } entry)
        {
            return null;
        }

        SessionOptions so = CreateSessionOptions(GraphOptimizationLevel.ORT_DISABLE_ALL);
        try
        {
            return Finish(new InferenceSession(entry, so), so);
        }
        catch (OnnxRuntimeException)
        {
            so.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The session whose optimised form is written to the cache: of the model pruned to the class token where that
    /// applies (the pruned file is written into the pending entry and removed once ONNX Runtime has read it), else of
    /// the original.
    /// </summary>
    private InferenceSession CreateSessionForCache(SessionOptions so, PendingCacheEntry pending)
    {
        if (Prunes)
        {
            string pruned = pending.ScratchFile("pruned-source.onnx");
            try
            {
                if (ClassTokenPruning.TryRewrite(_path, pruned) is { } result)
                {
                    var session = new InferenceSession(pruned, so);
                    Pruning = result;
                    return session;
                }
            }
            catch (OnnxRuntimeException)
            {
                // The rewrite is checked by tests on every layout; should a graph still defeat it, the original is
                // loaded as it is rather than refused.
            }
            finally
            {
                File.Delete(pruned);
            }
        }

        return new InferenceSession(_path, so);
    }

    private SessionOptions CreateSessionOptions(GraphOptimizationLevel level) => new()
    {
        IntraOpNumThreads = _options.IntraOpThreads > 0 ? _options.IntraOpThreads : Environment.ProcessorCount,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = level,
        EnableMemoryPattern = true,
        EnableCpuMemArena = true,
    };

    private TowerSession OpenOriginal()
    {
        var so = CreateSessionOptions(OptimizedModelCache.Level);
        InferenceSession session;
        try
        {
            if (_options.ExecutionProvider == ClipExecutionProvider.Cuda)
            {
                so.AppendExecutionProvider_CUDA(_options.DeviceId);
            }

            session = new InferenceSession(_path, so);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            so.Dispose();
            string what = _options.ExecutionProvider == ClipExecutionProvider.Cuda
                ? "cannot create a CUDA session (is Microsoft.ML.OnnxRuntime.Gpu installed and a GPU present?): "
                : "cannot load the ONNX model: ";
            throw new ClipSharpException(ClipErrorKind.InvalidModel, what + ex.Message, _path, ex);
        }

        return Finish(session, so);
    }

    /// <summary>Reads the graph's inputs and outputs into a <see cref="TowerSession"/>; releases both on failure.</summary>
    private TowerSession Finish(InferenceSession session, SessionOptions so)
    {
        try
        {
            return TowerSession.Create(session, so, _path, _isText);
        }
        catch
        {
            session.Dispose();
            so.Dispose();
            throw;
        }
    }
}
