using System.Buffers;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace ClipSharp.Inference.Onnx;

/// <summary>
/// Rewrites a graph whose output reads one token of a sequence (CLIP's vision tower pools the class token:
/// <c>Gather(x, 0, axis = token axis)</c>) so that the row-wise work after the last attention is done for that token only.
/// In a ViT that is the last block's MLP (and, where the export allows, its attention output projection): about 6 % of
/// ViT-B/32's FLOPs. Identical embeddings: every pruned operator computes each row independently, so the kept row sees
/// the same inputs and the same kernel as before (tests compare bit for bit).
/// </summary>
/// <remarks>
/// The analysis walks the graph backwards from each such Gather. A tensor needs only token 0 (along a given axis) when
/// every consumer is such a Gather or a row-wise operator whose outputs need only token 0. Row-wise operators: element-wise
/// ops (operands that span the token axis are narrowed with a Gather, broadcast ones kept), LayerNormalization, Softmax and
/// reductions over other axes, MatMul with a 2-D right operand, Gemm, Transpose (the axis is mapped through the
/// permutation). Attention (a batched MatMul), Reshape and anything unknown stop the walk, and their outputs are
/// narrowed with a Gather where a pruned operator reads them. Axes are kept negative, so broadcasting (aligned from the
/// right) stays correct for operands of lower rank.
/// </remarks>
internal static class ClassTokenPruning
{
    private const int Int64Type = 7;

    /// <summary>What was pruned.</summary>
    internal sealed record Result(int PrunedNodes, int PrunedMatMuls, int InsertedGathers);

    /// <summary>
    /// Writes the pruned form of the model file <paramref name="source"/> to <paramref name="destination"/> (a new file),
    /// or returns null, writing nothing, when it has nothing to prune or is not a model this understands (ONNX Runtime
    /// then loads the original and reports what is wrong with it). The source is memory-mapped: only the graph structure
    /// is read, and the weights are copied to the destination through a small buffer.
    /// </summary>
    public static Result? TryRewrite(string source, string destination)
    {
        bool written = false;
        try
        {
            using var handle = File.OpenHandle(source);
            long length = RandomAccess.GetLength(handle);
            if (length == 0 || length > int.MaxValue)
            {
                return null;
            }

            using var map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            using var memory = new MappedMemory(view, (int)length);
            using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            written = true;
            var result = Rewrite(memory.Memory, output, handle);
            if (result is null)
            {
                return null;
            }

            written = false;
            return result;
        }
        catch (Exception ex) when (ex is InvalidDataException or OverflowException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (written)
            {
                File.Delete(destination);
            }
        }
    }

    /// <summary>
    /// Writes the pruned model to <paramref name="output"/> and says what was pruned, or returns null, writing nothing,
    /// when nothing can be pruned. Weights are copied from <paramref name="source"/> when given, else from
    /// <paramref name="model"/>.
    /// </summary>
    public static Result? Rewrite(ReadOnlyMemory<byte> model, Stream output, SafeFileHandle? source = null)
    {
        var graph = OnnxGraph.Parse(model);
        if (graph.HasExternalData || graph.DefaultOpset < 11 || graph.Nodes.Exists(n => n.OpType is "If" or "Loop" or "Scan"))
        {
            return null;
        }

        var ranks = new TensorRanks(graph);
        var consumers = new Dictionary<string, List<(OnnxNode Node, int Slot)>>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            for (int slot = 0; slot < node.Inputs.Count; slot++)
            {
                if (node.Inputs[slot].Length > 0)
                {
                    (consumers.TryGetValue(node.Inputs[slot], out var list) ? list : consumers[node.Inputs[slot]] = []).Add((node, slot));
                }
            }
        }

        var analysis = new Analysis(graph, ranks, consumers);
        analysis.Run();
        if (analysis.PrunedMatMuls == 0)
        {
            return null;
        }

        int gathers = Emit(graph, analysis, output, source);
        return new Result(analysis.Plans.Count, analysis.PrunedMatMuls, gathers);
    }

    /// <summary>How one input of a pruned operator is treated.</summary>
    private readonly record struct Slot(bool Narrow, int Axis);

    private sealed class Analysis(OnnxGraph graph, TensorRanks ranks, Dictionary<string, List<(OnnxNode Node, int Slot)>> consumers)
    {
        /// <summary>Tensors computed for token 0 only, with the (negative) token axis.</summary>
        public Dictionary<string, int> Narrowed { get; } = new(StringComparer.Ordinal);

        /// <summary>Pruned operators and how each input is read.</summary>
        public Dictionary<OnnxNode, Slot[]> Plans { get; } = new(ReferenceEqualityComparer.Instance);

        public int PrunedMatMuls { get; private set; }

        public void Run()
        {
            for (int i = graph.Nodes.Count - 1; i >= 0; i--)
            {
                var node = graph.Nodes[i];
                int? axis = null;
                bool all = node.Outputs.Count > 0;
                foreach (string output in node.Outputs)
                {
                    if (output.Length == 0)
                    {
                        continue;
                    }

                    int? wanted = WantedAxis(output);
                    if (wanted is null || (axis is not null && axis != wanted))
                    {
                        all = false;
                        break;
                    }

                    axis = wanted;
                }

                if (!all || axis is null || Plan(node, axis.Value) is not { } plan)
                {
                    continue;
                }

                Plans[node] = plan;
                foreach (string output in node.Outputs)
                {
                    if (output.Length > 0)
                    {
                        Narrowed[output] = axis.Value;
                    }
                }

                if (node.OpType is "MatMul" or "Gemm")
                {
                    PrunedMatMuls++;
                }
            }
        }

        /// <summary>The token axis along which every consumer of the tensor reads token 0 only, or null.</summary>
        private int? WantedAxis(string tensor)
        {
            if (graph.GraphOutputs.Contains(tensor) || !consumers.TryGetValue(tensor, out var uses))
            {
                return null;
            }

            int? axis = null;
            foreach (var (node, slot) in uses)
            {
                int? wanted = PoolingAxis(node, slot)
                    ?? (Plans.TryGetValue(node, out var plan) && plan[slot].Narrow ? plan[slot].Axis : null);
                if (wanted is null || (axis is not null && axis != wanted))
                {
                    return null;
                }

                axis = wanted;
            }

            return axis;
        }

        /// <summary>For <c>Gather(data, 0)</c> read at <paramref name="slot"/> 0: the gathered axis, negative.</summary>
        private int? PoolingAxis(OnnxNode node, int slot)
        {
            if (slot != 0 || node.OpType != "Gather" || !node.IsDefaultDomain || node.Inputs.Count != 2
                || !graph.Constants.TryGetValue(node.Inputs[1], out var index)
                || index.IntValues is not [0] || index.Dims.Length > 1)
            {
                return null;
            }

            return Negative(node.Int("axis") ?? 0, ranks.Rank(node.Inputs[0]));
        }

        /// <summary>How a row-wise operator whose outputs are narrowed to token 0 on <paramref name="axis"/> reads its inputs; null if it is not row-wise there.</summary>
        private Slot[]? Plan(OnnxNode node, int axis)
        {
            var slots = new Slot[node.Inputs.Count];
            if (node.Domain == "com.microsoft" && node.OpType == "QuickGelu" && node.Inputs.Count == 1)
            {
                slots[0] = new Slot(true, axis);
                return slots;
            }

            if (!node.IsDefaultDomain || node.Outputs.Count == 0)
            {
                return null;
            }

            int in0 = node.Inputs.Count > 0 ? ranks.Rank(node.Inputs[0]) : -1;
            switch (node.OpType)
            {
                case "Identity" or "Cast" or "Sigmoid" or "Relu" or "Tanh" or "Erf" or "Exp" or "Log" or "Neg" or "Sqrt"
                    or "Reciprocal" or "Abs" when node.Inputs.Count == 1 && node.Outputs.Count == 1:
                    slots[0] = new Slot(true, axis);
                    return slots;

                case "Softmax" or "LogSoftmax" when node.Outputs.Count == 1:
                    long softmaxDefault = graph.DefaultOpset >= 13 ? -1 : 1;
                    int? over = Negative(node.Int("axis") ?? softmaxDefault, in0);
                    if (over is null || axis >= over)
                    {
                        return null;
                    }

                    slots[0] = new Slot(true, axis);
                    return slots;

                case "LayerNormalization":
                    int? normalized = Negative(node.Int("axis") ?? -1, in0);
                    if (normalized is null || axis >= normalized || node.Outputs.Skip(1).Any(o => o.Length > 0))
                    {
                        return null;
                    }

                    slots[0] = new Slot(true, axis);
                    return slots;

                case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceL2" when node.Outputs.Count == 1:
                    long[]? reduced = node.Ints("axes")
                        ?? (node.Inputs.Count > 1 && graph.Constants.TryGetValue(node.Inputs[1], out var a) ? a.IntValues : null);
                    if ((node.Int("keepdims") ?? 1) != 1 || reduced is null or [])
                    {
                        return null;
                    }

                    foreach (long r in reduced)
                    {
                        if (Negative(r, in0) is not { } n || n == axis)
                        {
                            return null;
                        }
                    }

                    slots[0] = new Slot(true, axis);
                    return slots;

                case "Add" or "Sub" or "Mul" or "Div" or "Pow" when node.Inputs.Count == 2 && node.Outputs.Count == 1:
                    for (int i = 0; i < 2; i++)
                    {
                        if (Operand(node.Inputs[i], axis) is not { } slot)
                        {
                            return null;
                        }

                        slots[i] = slot;
                    }

                    return slots;

                case "MatMul" when node.Inputs.Count == 2 && node.Outputs.Count == 1:
                    // Rows of A times a 2-D B: row i of the product reads row i of A only.
                    if (ranks.Rank(node.Inputs[1]) != 2 || in0 < 2 || axis > -2 || axis < -in0)
                    {
                        return null;
                    }

                    slots[0] = new Slot(true, axis);
                    return slots;

                case "Gemm" when node.Outputs.Count == 1 && axis == -2 && (node.Int("transA") ?? 0) == 0:
                    slots[0] = new Slot(true, axis);
                    if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
                    {
                        if (Operand(node.Inputs[2], axis) is not { } bias)
                        {
                            return null;
                        }

                        slots[2] = bias;
                    }

                    return slots;

                case "Transpose" when node.Outputs.Count == 1:
                    long[]? perm = node.Ints("perm");
                    if (perm is null || axis < -perm.Length)
                    {
                        return null;
                    }

                    slots[0] = new Slot(true, (int)perm[perm.Length + axis] - perm.Length);
                    return slots;
            }

            return null;
        }

        /// <summary>
        /// An operand of a broadcasting operator whose output is narrowed: narrowed too if it spans the token axis,
        /// kept if broadcast along it (lower rank, or size 1 there); null if its rank is unknown.
        /// </summary>
        private Slot? Operand(string name, int axis)
        {
            int rank = ranks.Rank(name);
            if (rank < 0)
            {
                return null;
            }

            if (rank < -axis || (graph.Constants.TryGetValue(name, out var c) && c.Dims[rank + axis] == 1))
            {
                return new Slot(false, 0);
            }

            return new Slot(true, axis);
        }

        private static int? Negative(long axis, int rank)
        {
            if (axis < 0)
            {
                return rank < 0 || axis >= -rank ? (int)axis : null;
            }

            return rank < 0 || axis >= rank ? null : (int)(axis - rank);
        }
    }

    /// <summary>Writes the rewritten model; returns how many Gathers it inserted.</summary>
    private static int Emit(OnnxGraph graph, Analysis analysis, Stream output, SafeFileHandle? source)
    {
        var taken = new HashSet<string>(graph.Constants.Keys, StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            taken.UnionWith(node.Outputs);
        }

        taken.UnionWith(graph.GraphInputs);
        string index = Unique("clipsharp/class_token_index", taken);
        var gathers = new Dictionary<(string, int), string>();
        var nodeAt = new Dictionary<int, OnnxNode>();
        foreach (var node in graph.Nodes)
        {
            nodeAt[node.FieldStart] = node;
        }

        // Each piece is new bytes or a range of the source, in output order.
        var pieces = new List<(byte[]? Bytes, int Start, int End)>();
        foreach (var field in graph.GraphFields)
        {
            if (field.Field == 13 && analysis.Narrowed.ContainsKey(ValueInfoName(graph.Model.Span, field)))
            {
                // A declared shape of a narrowed tensor no longer holds (its token axis has size 1 now).
                continue;
            }

            if (field.Field != 1 || !nodeAt.TryGetValue(field.Start, out var node) || !analysis.Plans.TryGetValue(node, out var plan))
            {
                pieces.Add((null, field.Start, field.End));
                continue;
            }

            var inputs = new List<string>(node.Inputs);
            for (int slot = 0; slot < plan.Length; slot++)
            {
                string input = node.Inputs[slot];
                if (!plan[slot].Narrow || analysis.Narrowed.ContainsKey(input))
                {
                    continue;
                }

                if (!gathers.TryGetValue((input, plan[slot].Axis), out string? narrowed))
                {
                    narrowed = Unique($"{input}/clipsharp_token0", taken);
                    gathers[(input, plan[slot].Axis)] = narrowed;
                    pieces.Add((GatherNode(input, index, narrowed, plan[slot].Axis), 0, 0));
                }

                inputs[slot] = narrowed;
            }

            pieces.Add((WithInputs(graph.Model.Span, node, inputs), 0, 0));
        }

        pieces.Add((IndexInitializer(index), 0, 0));

        long graphLength = 0;
        foreach (var piece in pieces)
        {
            graphLength += piece.Bytes?.Length ?? piece.End - piece.Start;
        }

        var head = new ProtoWriter();
        head.WriteTag(7, 2);
        head.WriteVarint((ulong)graphLength);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            void Copy(int start, int end)
            {
                if (source is null)
                {
                    output.Write(graph.Model.Span[start..end]);
                    return;
                }

                for (int at = start; at < end;)
                {
                    int n = RandomAccess.Read(source, buffer.AsSpan(0, Math.Min(buffer.Length, end - at)), at);
                    if (n == 0)
                    {
                        throw new IOException("the model file was truncated while it was read");
                    }

                    output.Write(buffer, 0, n);
                    at += n;
                }
            }

            for (int i = 0; i < graph.ModelFields.Count; i++)
            {
                var f = graph.ModelFields[i];
                if (i != graph.GraphFieldIndex)
                {
                    Copy(f.Start, f.End);
                    continue;
                }

                output.Write(head.ToArray());
                foreach (var piece in pieces)
                {
                    if (piece.Bytes is not null)
                    {
                        output.Write(piece.Bytes);
                    }
                    else
                    {
                        Copy(piece.Start, piece.End);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return gathers.Count;
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        string candidate = name;
        for (int i = 1; !taken.Add(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        return candidate;
    }

    /// <summary>A GraphProto node field: <c>Gather(input, [0], axis)</c>, keeping the axis (size 1).</summary>
    private static byte[] GatherNode(string input, string index, string output, int axis)
    {
        var attribute = new ProtoWriter();
        attribute.WriteString(1, "axis");
        attribute.WriteInt(3, axis);
        attribute.WriteInt(20, 2); // AttributeProto.INT

        var node = new ProtoWriter();
        node.WriteString(1, input);
        node.WriteString(1, index);
        node.WriteString(2, output);
        node.WriteString(3, output);
        node.WriteString(4, "Gather");
        node.WriteBytes(5, attribute.ToArray());
        return AsGraphField(1, node);
    }

    /// <summary>The node's GraphProto field with its inputs replaced and every other field copied unchanged.</summary>
    private static byte[] WithInputs(ReadOnlySpan<byte> model, OnnxNode node, List<string> inputs)
    {
        var w = new ProtoWriter();
        foreach (string input in inputs)
        {
            w.WriteString(1, input);
        }

        var r = new ProtoReader(model, node.PayloadStart, node.PayloadEnd);
        while (!r.AtEnd)
        {
            int start = r.Position;
            var (field, wire) = r.ReadTag();
            r.Skip(wire);
            if (field != 1)
            {
                w.WriteRaw(model.Slice(start, r.Position - start));
            }
        }

        return AsGraphField(1, w);
    }

    /// <summary>An int64 [1] initializer holding 0.</summary>
    private static byte[] IndexInitializer(string name)
    {
        var t = new ProtoWriter();
        t.WriteInt(1, 1);
        t.WriteInt(2, Int64Type);
        t.WriteString(8, name);
        t.WriteBytes(9, new byte[8]);
        return AsGraphField(5, t);
    }

    private static byte[] AsGraphField(int field, ProtoWriter payload)
    {
        var w = new ProtoWriter();
        w.WriteBytes(field, payload.ToArray());
        return w.ToArray();
    }

    private static string ValueInfoName(ReadOnlySpan<byte> model, FieldRange field)
    {
        var r = new ProtoReader(model, field.Start, field.End);
        r.ReadTag();
        var (start, end) = r.ReadLengthDelimited();
        return OnnxGraph.FindField(model, start, end, 1) is { } name ? System.Text.Encoding.UTF8.GetString(model[name.Start..name.End]) : "";
    }

    /// <summary>A read-only memory-mapped view as <see cref="Memory{T}"/>, so the parser reads only the pages it touches.</summary>
    private sealed unsafe class MappedMemory : MemoryManager<byte>
    {
        private readonly MemoryMappedViewAccessor _view;
        private readonly int _length;
        private byte* _pointer;

        public MappedMemory(MemoryMappedViewAccessor view, int length)
        {
            _view = view;
            _length = length;
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + view.PointerOffset;
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (_pointer != null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _pointer = null;
            }
        }
    }
}
