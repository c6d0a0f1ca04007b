using System.Numerics.Tensors;
using ClipSharp.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ClipSharp;

/// <summary>
/// One ONNX Runtime session for one tower (vision or text), created on first use. Input and output names,
/// element types and static dimensions are read from the session metadata. Thread-safe: ONNX Runtime
/// sessions accept concurrent <c>Run</c> calls.
/// </summary>
internal sealed class OnnxTower : IDisposable
{
    private static readonly string[] s_imageInputNames = ["image", "pixel_values"];
    private static readonly string[] s_textInputNames = ["text", "input_ids"];
    private static readonly string[] s_imageOutputNames = ["embedding", "image_embeds"];
    private static readonly string[] s_textOutputNames = ["embedding", "text_embeds"];

    private readonly string _path;
    private readonly bool _isText;
    private readonly ClipModelOptions _options;
    private readonly Lazy<Session> _session;
    private bool _disposed;

    public OnnxTower(string path, bool isText, ClipModelOptions options)
    {
        _path = path;
        _isText = isText;
        _options = options;
        _session = new Lazy<Session>(Open, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>True once the session has been created.</summary>
    public bool IsLoaded => _session.IsValueCreated;

    /// <summary>Whether the session came from the optimised-model cache (valid once loaded).</summary>
    public OptimizedModelCacheUse CacheUse { get; private set; }

    /// <summary>The cache entry folder the session was loaded from or wrote, if any (valid once loaded).</summary>
    public string? CacheEntry { get; private set; }

    /// <summary>What <see cref="ClassTokenPruning"/> did to the graph when this load wrote the optimised-model cache, or null.</summary>
    internal ClassTokenPruning.Result? Pruning { get; private set; }

    /// <summary>Embedding width (the output's last dimension).</summary>
    public int EmbeddingDimension => Get().EmbeddingDimension;

    /// <summary>Static batch size of the graph, or 0 when dynamic.</summary>
    public int StaticBatch => Get().StaticBatch;

    /// <summary>Static sequence length (text) or image side (vision), or 0 when dynamic.</summary>
    public int StaticLength => Get().StaticLength;

    /// <summary>The graph's input and output as ONNX Runtime reports them (loads the session).</summary>
    public TowerInfo Describe()
    {
        var s = Get();
        var input = s.InferenceSession.InputMetadata[s.InputNames[0]];
        var output = s.InferenceSession.OutputMetadata[s.OutputNames[0]];
        return new TowerInfo(_path, s.InputNames[0], input.ElementDataType.ToString(), Shape(input), s.OutputNames[0], output.ElementDataType.ToString(), Shape(output), s.AttentionMaskName is not null);
    }

    private static string[] Shape(NodeMetadata meta)
        => meta.Dimensions.Select((d, i) => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : (meta.SymbolicDimensions.Length > i && !string.IsNullOrEmpty(meta.SymbolicDimensions[i]) ? meta.SymbolicDimensions[i] : "?")).ToArray();

    /// <summary>Forces the session to load now (to fail early and to avoid a first-call stall).</summary>
    public void Warm() => _ = Get();

    /// <summary>Runs the vision tower on [count, 3, size, size] pixels; writes L2-normalised embeddings to <paramref name="output"/> ([count, dim]).</summary>
    public void RunImages(ReadOnlySpan<float> pixels, int count, int size, Span<float> output)
    {
        var s = Get();
        int per = 3 * size * size;
        int step = s.StaticBatch == 0 ? Math.Max(1, _options.MaxBatchSize) : s.StaticBatch;
        for (int start = 0; start < count; start += step)
        {
            int n = Math.Min(step, count - start);
            if (s.StaticBatch > 0 && n != s.StaticBatch)
            {
                n = 1; // a static batch of 1 is the only static size the public exports use; run one at a time
            }

            long[] shape = [n, 3, size, size];
            ReadOnlySpan<float> slice = pixels.Slice(start * per, n * per);
            Span<float> dst = output.Slice(start * s.EmbeddingDimension, n * s.EmbeddingDimension);
            if (s.InputType == TensorElementType.Float16)
            {
                using OrtValue half = OrtValue.CreateTensorValueFromMemory(ToHalf(slice), shape);
                RunOne(s, [half], n, dst);
            }
            else
            {
                // Zero copy: the tensor is a view of the caller's pixels, pinned for the duration of the call.
                unsafe
                {
                    fixed (float* p = slice)
                    {
                        using OrtValue input = OrtValue.CreateTensorValueWithData(
                            OrtMemoryInfo.DefaultInstance, TensorElementType.Float, shape, (IntPtr)p, (long)slice.Length * sizeof(float));
                        RunOne(s, [input], n, dst);
                    }
                }
            }

            if (s.StaticBatch > 0 && n != step)
            {
                step = n;
            }
        }
    }

    /// <summary>
    /// Runs the text tower on token ids ([count, contextLength], padded); <paramref name="lengths"/> are the real
    /// token counts (SOT..EOT). With a dynamic sequence axis only the longest real length is sent: the text tower is
    /// causal and pools the first end-of-text token, so the embeddings are identical.
    /// </summary>
    public void RunTexts(ReadOnlySpan<long> ids, ReadOnlySpan<int> lengths, int count, int contextLength, Span<float> output)
    {
        var s = Get();
        int step = s.StaticBatch == 0 ? Math.Max(1, _options.MaxBatchSize) : s.StaticBatch;
        for (int start = 0; start < count; start += step)
        {
            int n = Math.Min(step, count - start);
            int seq = s.StaticLength > 0 ? s.StaticLength : _options.TrimTextPadding ? MaxOf(lengths.Slice(start, n)) : contextLength;
            if (s.StaticLength > contextLength)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"the text model expects {s.StaticLength} tokens but the tokenizer's context length is {contextLength}", _path);
            }

            var inputs = new List<OrtValue>(2);
            try
            {
                long[] shape = [n, seq];
                if (s.InputType == TensorElementType.Int32)
                {
                    int[] buffer = new int[n * seq];
                    for (int i = 0; i < n; i++)
                    {
                        ReadOnlySpan<long> row = ids.Slice((start + i) * contextLength, seq);
                        for (int j = 0; j < seq; j++)
                        {
                            buffer[(i * seq) + j] = (int)row[j];
                        }
                    }

                    inputs.Add(OrtValue.CreateTensorValueFromMemory(buffer, shape));
                }
                else
                {
                    long[] buffer = new long[n * seq];
                    for (int i = 0; i < n; i++)
                    {
                        ids.Slice((start + i) * contextLength, seq).CopyTo(buffer.AsSpan(i * seq, seq));
                    }

                    inputs.Add(OrtValue.CreateTensorValueFromMemory(buffer, shape));
                }

                if (s.AttentionMaskName is not null)
                {
                    long[] mask = new long[n * seq];
                    for (int i = 0; i < n; i++)
                    {
                        mask.AsSpan(i * seq, Math.Min(seq, lengths[start + i])).Fill(1);
                    }

                    inputs.Add(s.AttentionMaskType == TensorElementType.Int32
                        ? OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(mask, v => (int)v), shape)
                        : OrtValue.CreateTensorValueFromMemory(mask, shape));
                }

                RunOne(s, inputs, n, output.Slice(start * s.EmbeddingDimension, n * s.EmbeddingDimension));
            }
            finally
            {
                foreach (var v in inputs)
                {
                    v.Dispose();
                }
            }
        }
    }

    private void RunOne(Session s, List<OrtValue> inputs, int n, Span<float> output)
    {
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = s.InferenceSession.Run(s.RunOptions, s.InputNames, inputs, s.OutputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Inference, "ONNX Runtime failed: " + ex.Message, _path, ex);
        }

        using (results)
        {
            OrtValue result = results[0];
            var info = result.GetTensorTypeAndShape();
            long[] shape = info.Shape;
            int dim = s.EmbeddingDimension;
            if (shape.Length != 2 || shape[0] != n || shape[1] != dim)
            {
                throw new ClipSharpException(ClipErrorKind.Inference, $"output '{s.OutputNames[0]}' has shape [{string.Join(", ", shape)}], expected [{n}, {dim}]", _path);
            }

            if (info.ElementDataType == TensorElementType.Float16)
            {
                ReadOnlySpan<Float16> half = result.GetTensorDataAsSpan<Float16>();
                for (int i = 0; i < half.Length; i++)
                {
                    output[i] = (float)half[i];
                }
            }
            else
            {
                result.GetTensorDataAsSpan<float>().CopyTo(output);
            }

            for (int i = 0; i < n; i++)
            {
                Span<float> row = output.Slice(i * dim, dim);
                float norm = TensorPrimitives.Norm(row);
                if (!(norm > 0) || !float.IsFinite(norm))
                {
                    throw new ClipSharpException(ClipErrorKind.Inference, $"the model returned an embedding of norm {norm}", _path);
                }

                TensorPrimitives.Divide(row, norm, row);
            }
        }
    }

    private static Float16[] ToHalf(ReadOnlySpan<float> values)
    {
        var result = new Float16[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = (Float16)values[i];
        }

        return result;
    }

    private static int MaxOf(ReadOnlySpan<int> values)
    {
        int max = 1;
        foreach (int v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    private Session Get()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _session.Value;
    }

    private Session Open()
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
                return Finish(session, so);
            }
        }

        CacheUse = OptimizedModelCacheUse.NotWritten;
        return OpenOriginal();
    }

    private bool Prunes => _options.PruneToClassToken && !_isText;

    /// <summary>
    /// The session whose optimised form is written to the cache: of the model pruned to the class token where that
    /// applies (the pruned file is written into the pending entry and removed once ONNX Runtime has read it), else of
    /// the original.
    /// </summary>
    private InferenceSession CreateSessionForCache(SessionOptions so, OptimizedModelCache.PendingEntry pending)
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

    private Session OpenOriginal()
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

    /// <summary>Reads the graph's inputs and outputs into a <see cref="Session"/>; releases both on failure.</summary>
    private Session Finish(InferenceSession session, SessionOptions so)
    {
        try
        {
            return Session.Create(session, so, _path, _isText);
        }
        catch
        {
            session.Dispose();
            so.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_session.IsValueCreated)
        {
            _session.Value.Dispose();
        }
    }

    private sealed class Session : IDisposable
    {
        public required InferenceSession InferenceSession { get; init; }
        public required SessionOptions SessionOptions { get; init; }
        public required RunOptions RunOptions { get; init; }
        public required string[] InputNames { get; init; }
        public required string[] OutputNames { get; init; }
        public required TensorElementType InputType { get; init; }
        public string? AttentionMaskName { get; init; }
        public TensorElementType AttentionMaskType { get; init; }
        public required int StaticBatch { get; init; }
        public required int StaticLength { get; init; }
        public required int EmbeddingDimension { get; init; }

        public static Session Create(InferenceSession session, SessionOptions so, string path, bool isText)
        {
            var inputs = session.InputMetadata;
            string? inputName = (isText ? s_textInputNames : s_imageInputNames).FirstOrDefault(inputs.ContainsKey);
            if (inputName is null && inputs.Count == 1)
            {
                inputName = inputs.Keys.First();
            }

            if (inputName is null)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel,
                    $"cannot find the {(isText ? "token ids" : "pixel")} input; the graph declares: {string.Join(", ", inputs.Keys)}", path);
            }

            NodeMetadata input = inputs[inputName];
            TensorElementType type = input.ElementDataType;
            int[] dims = input.Dimensions;
            if (isText ? type is not (TensorElementType.Int32 or TensorElementType.Int64) : type is not (TensorElementType.Float or TensorElementType.Float16))
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"input '{inputName}' has element type {type}, which this {(isText ? "text" : "vision")} tower cannot feed", path);
            }

            if (dims.Length != (isText ? 2 : 4))
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"input '{inputName}' has {dims.Length} dimensions, expected {(isText ? 2 : 4)}", path);
            }

            string? maskName = null;
            TensorElementType maskType = TensorElementType.Int64;
            foreach (var (name, meta) in inputs)
            {
                if (name == inputName)
                {
                    continue;
                }

                if (isText && name == "attention_mask")
                {
                    maskName = name;
                    maskType = meta.ElementDataType;
                    continue;
                }

                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"the graph has an input '{name}' that a CLIP {(isText ? "text" : "vision")} tower does not take", path);
            }

            var outputs = session.OutputMetadata;
            string? outputName = (isText ? s_textOutputNames : s_imageOutputNames).FirstOrDefault(outputs.ContainsKey)
                ?? outputs.Where(o => o.Value.Dimensions.Length == 2).Select(o => o.Key).FirstOrDefault();
            if (outputName is null)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"cannot find the embedding output; the graph declares: {string.Join(", ", outputs.Keys)}", path);
            }

            int dim = outputs[outputName].Dimensions[^1];
            if (dim <= 0)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"output '{outputName}' has no static embedding dimension", path);
            }

            int staticBatch = dims[0] > 0 ? dims[0] : 0;
            int staticLength = isText ? Math.Max(0, dims[1]) : Math.Max(0, dims[2]);
            return new Session
            {
                InferenceSession = session,
                SessionOptions = so,
                RunOptions = new RunOptions(),
                InputNames = maskName is null ? [inputName] : [inputName, maskName],
                OutputNames = [outputName],
                InputType = type,
                AttentionMaskName = maskName,
                AttentionMaskType = maskType,
                StaticBatch = staticBatch,
                StaticLength = staticLength,
                EmbeddingDimension = dim,
            };
        }

        public void Dispose()
        {
            InferenceSession.Dispose();
            RunOptions.Dispose();
            SessionOptions.Dispose();
        }
    }
}
