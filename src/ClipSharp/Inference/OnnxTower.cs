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
    private readonly string _path;
    private readonly ClipModelOptions _options;
    private readonly TowerSessionLoader _loader;
    private readonly Lazy<TowerSession> _session;
    private bool _disposed;

    public OnnxTower(string path, bool isText, ClipModelOptions options)
    {
        _path = path;
        _options = options;
        _loader = new TowerSessionLoader(path, isText, options);
        _session = new Lazy<TowerSession>(_loader.Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>True once the session has been created.</summary>
    public bool IsLoaded => _session.IsValueCreated;

    /// <summary>Whether the session came from the optimised-model cache (valid once loaded).</summary>
    public OptimizedModelCacheUse CacheUse => _loader.CacheUse;

    /// <summary>The cache entry folder the session was loaded from or wrote, if any (valid once loaded).</summary>
    public string? CacheEntry => _loader.CacheEntry;

    /// <summary>What <see cref="ClassTokenPruning"/> did to the graph when this load wrote the optimised-model cache, or null.</summary>
    internal ClassTokenPruning.Result? Pruning => _loader.Pruning;

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

    private void RunOne(TowerSession s, List<OrtValue> inputs, int n, Span<float> output)
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

    private TowerSession Get()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _session.Value;
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
}
