namespace ClipSharp.Inference.Onnx;

/// <summary>
/// Static ranks of a graph's tensors, and static lengths of the 1-D integer tensors that shape computations build
/// (Shape → Gather → Unsqueeze → Concat → Reshape). Only what the ops of exported transformers need; a tensor whose rank
/// is not known from its inputs stays unknown, and rewrites that would need it do not happen.
/// </summary>
internal sealed class TensorRanks
{
    private readonly Dictionary<string, int> _rank = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _length = new(StringComparer.Ordinal);

    public TensorRanks(OnnxGraph graph)
    {
        foreach (var (name, rank) in graph.InputRanks)
        {
            _rank[name] = rank;
        }

        foreach (var (name, tensor) in graph.Constants)
        {
            _rank[name] = tensor.Dims.Length;
            if (tensor.Dims.Length == 1)
            {
                _length[name] = checked((int)tensor.Dims[0]);
            }
        }

        foreach (var node in graph.Nodes)
        {
            if (node.IsDefaultDomain || node.Domain == "com.microsoft")
            {
                Infer(graph, node);
            }
        }
    }

    /// <summary>The tensor's rank, or -1 when unknown.</summary>
    public int Rank(string name) => name.Length > 0 && _rank.TryGetValue(name, out int r) ? r : -1;

    private int Length(string name) => _length.TryGetValue(name, out int l) ? l : -1;

    private void Infer(OnnxGraph graph, OnnxNode node)
    {
        if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0 || _rank.ContainsKey(node.Outputs[0]))
        {
            return;
        }

        int in0 = node.Inputs.Count > 0 ? Rank(node.Inputs[0]) : -1;
        int rank = -1;
        switch (node.OpType)
        {
            case "Identity" or "Cast" or "CastLike" or "Sigmoid" or "Relu" or "Tanh" or "Erf" or "Exp" or "Log" or "Neg"
                or "Sqrt" or "Reciprocal" or "Abs" or "Softmax" or "LogSoftmax" or "LayerNormalization" or "Dropout"
                or "Clip" or "QuickGelu" or "Gelu" or "FastGelu" or "Transpose" or "Conv" or "Split"
                or "SkipLayerNormalization" or "BiasGelu":
                rank = in0;
                break;
            case "Concat":
                // All inputs have the same rank: any one known gives it.
                foreach (string input in node.Inputs)
                {
                    rank = Math.Max(rank, Rank(input));
                }

                break;
            case "Slice":
                rank = in0;
                if (rank == 1 && SliceLength(graph, node) is int sliced and >= 0)
                {
                    _length[node.Outputs[0]] = sliced;
                }

                break;
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Equal" or "Where" or "Max" or "Min" or "Less" or "Greater":
                rank = MaxKnown(node.Inputs);
                break;
            case "MatMul" or "FusedMatMul":
                int b = node.Inputs.Count > 1 ? Rank(node.Inputs[1]) : -1;
                rank = in0 >= 2 && b >= 2 ? Math.Max(in0, b) : -1;
                break;
            case "Gemm" or "Flatten":
                rank = 2;
                break;
            case "Reshape":
                rank = node.Inputs.Count > 1 ? Length(node.Inputs[1]) : -1;
                break;
            case "Expand":
                int shapeLength = node.Inputs.Count > 1 ? Length(node.Inputs[1]) : -1;
                rank = in0 >= 0 && shapeLength >= 0 ? Math.Max(in0, shapeLength) : -1;
                break;
            case "ConstantOfShape":
                rank = Length(node.Inputs[0]);
                break;
            case "Gather":
                int indices = node.Inputs.Count > 1 ? Rank(node.Inputs[1]) : -1;
                rank = in0 >= 1 && indices >= 0 ? in0 - 1 + indices : -1;
                if (rank == 1 && in0 == 1 && indices == 1)
                {
                    _length[node.Outputs[0]] = Length(node.Inputs[1]);
                }

                break;
            case "Shape":
                rank = 1;
                if (in0 >= 0 && !node.Attributes.ContainsKey("start") && !node.Attributes.ContainsKey("end"))
                {
                    _length[node.Outputs[0]] = in0;
                }

                break;
            case "Unsqueeze" or "Squeeze":
                long[]? axes = node.Ints("axes") ?? (node.Inputs.Count > 1 && graph.Constants.TryGetValue(node.Inputs[1], out var t) ? t.IntValues : null);
                if (in0 >= 0 && axes is not null)
                {
                    rank = node.OpType == "Unsqueeze" ? in0 + axes.Length : in0 - axes.Length;
                    if (rank == 1 && in0 == 0)
                    {
                        _length[node.Outputs[0]] = 1;
                    }
                }

                break;
            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceL2" or "ReduceProd":
                rank = node.Int("keepdims") is null or 1 ? in0 : -1;
                break;
            case "Range":
                rank = 1;
                break;
            case "Constant":
                return;
        }

        if (rank < 0)
        {
            return;
        }

        foreach (string output in node.Outputs)
        {
            if (output.Length > 0)
            {
                _rank[output] = rank;
            }
        }

        if (node.OpType == "Concat" && rank == 1 && (node.Int("axis") ?? 0) is 0 or -1)
        {
            int total = 0;
            foreach (string input in node.Inputs)
            {
                int l = Length(input);
                if (l < 0)
                {
                    return;
                }

                total += l;
            }

            _length[node.Outputs[0]] = total;
        }
        else if (node.OpType is "Cast" or "Identity" && rank == 1 && Length(node.Inputs[0]) is int same and >= 0)
        {
            _length[node.Outputs[0]] = same;
        }
    }

    /// <summary>Length of a 1-D slice with constant starts and ends (steps of 1), or -1.</summary>
    private int SliceLength(OnnxGraph graph, OnnxNode node)
    {
        int length = Length(node.Inputs[0]);
        long[]? starts = node.Ints("starts") ?? ConstantInts(graph, node, 1);
        long[]? ends = node.Ints("ends") ?? ConstantInts(graph, node, 2);
        long[]? steps = node.Inputs.Count > 4 ? ConstantInts(graph, node, 4) : null;
        if (length < 0 || starts is not [long start] || ends is not [long end] || (steps is not null and not [1]))
        {
            return -1;
        }

        long Clamp(long i) => Math.Clamp(i < 0 ? i + length : i, 0, length);
        return (int)Math.Max(0, Clamp(end) - Clamp(start));
    }

    private static long[]? ConstantInts(OnnxGraph graph, OnnxNode node, int slot)
        => node.Inputs.Count > slot && graph.Constants.TryGetValue(node.Inputs[slot], out var t) ? t.IntValues : null;

    private int MaxKnown(List<string> inputs)
    {
        int max = -1;
        foreach (string input in inputs)
        {
            int r = Rank(input);
            if (r < 0)
            {
                return -1;
            }

            max = Math.Max(max, r);
        }

        return max;
    }
}
