using System.Buffers.Binary;

namespace ClipSharp.Inference.Onnx;

/// <summary>
/// The parts of an ONNX model that graph rewrites read: nodes with their inputs, outputs and attributes, the shapes and
/// small integer values of initializers and constants, the graph's inputs and outputs. Every field keeps its byte range
/// in the model file, so a rewrite copies what it does not change (the weights above all) byte for byte.
/// Field numbers are those of onnx.proto.
/// </summary>
internal sealed class OnnxGraph
{
    private OnnxGraph(ReadOnlyMemory<byte> model)
    {
        Model = model;
    }

    /// <summary>The whole model file (in memory or mapped).</summary>
    public ReadOnlyMemory<byte> Model { get; }

    /// <summary>Byte ranges of the ModelProto's fields, tags included, in file order.</summary>
    public List<FieldRange> ModelFields { get; } = [];

    /// <summary>The GraphProto field (ModelProto field 7) among <see cref="ModelFields"/>.</summary>
    public int GraphFieldIndex { get; private set; } = -1;

    /// <summary>Byte ranges of the GraphProto's fields, tags included, in file order.</summary>
    public List<FieldRange> GraphFields { get; } = [];

    /// <summary>Nodes in graph order (ONNX requires topological order).</summary>
    public List<OnnxNode> Nodes { get; } = [];

    /// <summary>Initializers and Constant node values by name.</summary>
    public Dictionary<string, OnnxTensor> Constants { get; } = new(StringComparer.Ordinal);

    /// <summary>Ranks of the graph inputs whose shape is declared.</summary>
    public Dictionary<string, int> InputRanks { get; } = new(StringComparer.Ordinal);

    public HashSet<string> GraphInputs { get; } = new(StringComparer.Ordinal);

    public HashSet<string> GraphOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Version of the default (ai.onnx) operator set.</summary>
    public long DefaultOpset { get; private set; }

    /// <summary>True when any initializer keeps its data in an external file (its location is relative to the model).</summary>
    public bool HasExternalData { get; private set; }

    public static OnnxGraph Parse(ReadOnlyMemory<byte> model)
    {
        var g = new OnnxGraph(model);
        g.ParseModel();
        return g;
    }

    private void ParseModel()
    {
        var r = new ProtoReader(Model.Span, 0, Model.Length);
        while (!r.AtEnd)
        {
            int start = r.Position;
            var (field, wire) = r.ReadTag();
            if (field == 7 && wire == 2)
            {
                var (gs, ge) = r.ReadLengthDelimited();
                GraphFieldIndex = ModelFields.Count;
                ParseGraph(gs, ge);
            }
            else if (field == 8 && wire == 2)
            {
                var (os, oe) = r.ReadLengthDelimited();
                ParseOpset(os, oe);
            }
            else
            {
                r.Skip(wire);
            }

            ModelFields.Add(new FieldRange(field, start, r.Position));
        }

        if (GraphFieldIndex < 0)
        {
            throw new InvalidDataException("the ONNX model has no graph");
        }
    }

    private void ParseOpset(int start, int end)
    {
        var r = new ProtoReader(Model.Span, start, end);
        string domain = "";
        long version = 0;
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                domain = r.ReadString();
            }
            else if (field == 2 && wire == 0)
            {
                version = (long)r.ReadVarint();
            }
            else
            {
                r.Skip(wire);
            }
        }

        if (domain is "" or "ai.onnx")
        {
            DefaultOpset = version;
        }
    }

    private void ParseGraph(int start, int end)
    {
        var r = new ProtoReader(Model.Span, start, end);
        while (!r.AtEnd)
        {
            int fieldStart = r.Position;
            var (field, wire) = r.ReadTag();
            if (wire != 2)
            {
                r.Skip(wire);
                GraphFields.Add(new FieldRange(field, fieldStart, r.Position));
                continue;
            }

            var (ps, pe) = r.ReadLengthDelimited();
            switch (field)
            {
                case 1:
                    Nodes.Add(ParseNode(ps, pe, fieldStart));
                    break;
                case 5:
                    var tensor = ParseTensor(ps, pe);
                    if (tensor.Name.Length > 0)
                    {
                        Constants[tensor.Name] = tensor;
                    }

                    HasExternalData |= tensor.IsExternal;
                    break;
                case 11:
                    var (name, rank) = ParseValueInfo(ps, pe);
                    GraphInputs.Add(name);
                    if (rank >= 0)
                    {
                        InputRanks[name] = rank;
                    }

                    break;
                case 12:
                    GraphOutputs.Add(ParseValueInfo(ps, pe).Name);
                    break;
                case 15:
                    // Sparse initializers are not read; a rewrite treats their names as unknown tensors.
                    break;
            }

            GraphFields.Add(new FieldRange(field, fieldStart, r.Position));
        }

        foreach (var node in Nodes)
        {
            if (node.OpType == "Constant" && node.IsDefaultDomain && node.Outputs.Count == 1 && node.Attributes.TryGetValue("value", out var value) && value.Tensor is { } t)
            {
                Constants[node.Outputs[0]] = t;
            }
        }
    }

    private OnnxNode ParseNode(int start, int end, int fieldStart)
    {
        var node = new OnnxNode { FieldStart = fieldStart, PayloadStart = start, PayloadEnd = end };
        var r = new ProtoReader(Model.Span, start, end);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1 when wire == 2:
                    node.Inputs.Add(r.ReadString());
                    break;
                case 2 when wire == 2:
                    node.Outputs.Add(r.ReadString());
                    break;
                case 4 when wire == 2:
                    node.OpType = r.ReadString();
                    break;
                case 7 when wire == 2:
                    node.Domain = r.ReadString();
                    break;
                case 5 when wire == 2:
                    var (a, b) = r.ReadLengthDelimited();
                    var attribute = ParseAttribute(a, b);
                    node.Attributes[attribute.Name] = attribute;
                    break;
                default:
                    r.Skip(wire);
                    break;
            }
        }

        return node;
    }

    private OnnxAttribute ParseAttribute(int start, int end)
    {
        var attribute = new OnnxAttribute();
        var r = new ProtoReader(Model.Span, start, end);
        List<long>? ints = null;
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1 when wire == 2:
                    attribute.Name = r.ReadString();
                    break;
                case 3 when wire == 0:
                    attribute.Int = (long)r.ReadVarint();
                    break;
                case 5 when wire == 2:
                    var (ts, te) = r.ReadLengthDelimited();
                    attribute.Tensor = ParseTensor(ts, te);
                    break;
                case 8 when wire is 0 or 2:
                    ints ??= [];
                    r.ReadInts(wire, ints);
                    break;
                default:
                    r.Skip(wire);
                    break;
            }
        }

        attribute.Ints = ints?.ToArray();
        return attribute;
    }

    private OnnxTensor ParseTensor(int start, int end)
    {
        var dims = new List<long>();
        var ints = new List<long>();
        int dataType = 0;
        string name = "";
        bool external = false;
        (int Start, int End) raw = default;
        var r = new ProtoReader(Model.Span, start, end);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1 when wire is 0 or 2:
                    r.ReadInts(wire, dims);
                    break;
                case 2 when wire == 0:
                    dataType = (int)r.ReadVarint();
                    break;
                case 5 when wire is 0 or 2:
                case 7 when wire is 0 or 2:
                    r.ReadInts(wire, ints);
                    break;
                case 8 when wire == 2:
                    name = r.ReadString();
                    break;
                case 9 when wire == 2:
                    raw = r.ReadLengthDelimited();
                    break;
                case 14 when wire == 0:
                    external = r.ReadVarint() == 1;
                    break;
                default:
                    r.Skip(wire);
                    break;
            }
        }

        long[]? values = null;
        const int int32Type = 6, int64Type = 7;
        if (dataType is int32Type or int64Type)
        {
            int width = dataType == int64Type ? 8 : 4;
            int rawLength = raw.End - raw.Start;
            if (rawLength > 0 && rawLength <= 64 * width && rawLength % width == 0)
            {
                values = new long[rawLength / width];
                var span = Model.Span.Slice(raw.Start, rawLength);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = width == 8
                        ? BinaryPrimitives.ReadInt64LittleEndian(span[(i * 8)..])
                        : BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..]);
                }
            }
            else if (rawLength == 0 && ints.Count <= 64)
            {
                values = [.. ints];
            }
        }

        return new OnnxTensor(name, [.. dims], dataType, values, external);
    }

    private (string Name, int Rank) ParseValueInfo(int start, int end)
    {
        string name = "";
        int rank = -1;
        var r = new ProtoReader(Model.Span, start, end);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                name = r.ReadString();
            }
            else if (field == 2 && wire == 2)
            {
                var (ts, te) = r.ReadLengthDelimited();
                rank = TensorTypeRank(ts, te);
            }
            else
            {
                r.Skip(wire);
            }
        }

        return (name, rank);
    }

    /// <summary>TypeProto → tensor_type (1) → shape (2) → number of dim (1) entries; -1 when no shape is given.</summary>
    private int TensorTypeRank(int start, int end)
    {
        var span = Model.Span;
        if (FindField(span, start, end, 1) is not { } tensorType || FindField(span, tensorType.Start, tensorType.End, 2) is not { } shape)
        {
            return -1;
        }

        int rank = 0;
        var r = new ProtoReader(span, shape.Start, shape.End);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1)
            {
                rank++;
            }

            r.Skip(wire);
        }

        return rank;
    }

    /// <summary>The payload of the first length-delimited field <paramref name="field"/> of a message, or null.</summary>
    public static (int Start, int End)? FindField(ReadOnlySpan<byte> data, int start, int end, int field)
    {
        var r = new ProtoReader(data, start, end);
        while (!r.AtEnd)
        {
            var (f, wire) = r.ReadTag();
            if (f == field && wire == 2)
            {
                return r.ReadLengthDelimited();
            }

            r.Skip(wire);
        }

        return null;
    }
}

/// <summary>A field's byte range in the model file, tag included.</summary>
internal readonly record struct FieldRange(int Field, int Start, int End);

internal sealed class OnnxNode
{
    public List<string> Inputs { get; } = [];

    public List<string> Outputs { get; } = [];

    public string OpType { get; set; } = "";

    public string Domain { get; set; } = "";

    public Dictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Start of the GraphProto field (its tag) holding this node.</summary>
    public int FieldStart { get; init; }

    /// <summary>The NodeProto's encoded fields.</summary>
    public int PayloadStart { get; init; }

    public int PayloadEnd { get; init; }

    public bool IsDefaultDomain => Domain is "" or "ai.onnx";

    public long? Int(string name) => Attributes.TryGetValue(name, out var a) ? a.Int : null;

    public long[]? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;
}

internal sealed class OnnxAttribute
{
    public string Name { get; set; } = "";

    public long? Int { get; set; }

    public long[]? Ints { get; set; }

    public OnnxTensor? Tensor { get; set; }
}

/// <summary>An initializer or constant: its shape, element type and, for small integer tensors, its values.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, int DataType, long[]? IntValues, bool IsExternal);
