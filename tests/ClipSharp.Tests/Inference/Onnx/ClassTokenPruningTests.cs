using System.Buffers.Binary;
using ClipSharp.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using Xunit;

namespace ClipSharp.Tests.Inference.Onnx;

/// <summary>The vision graph computed for the class token only after the last attention: same embeddings, less work.</summary>
public class ClassTokenPruningTests
{
    public static TheoryData<string> Layouts() => new(Golden.ModelFolders);

    [SkippableTheory]
    [MemberData(nameof(Layouts))]
    public void Prune_VisionGraphOfEveryLayout_GivesBitIdenticalEmbeddings(string layout)
    {
        string cache = Directory.CreateTempSubdirectory("clipsharp-prune-").FullName;
        try
        {
            // Pruning happens when the optimised-model cache is written; without the cache the graph loads as it is.
            var plain = new ClipModelOptions { OptimizedModelCache = false };
            var pruned = new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = cache };
            using var a = ClipModel.Load(Golden.ModelDir(layout), plain);
            using var b = ClipModel.Load(Golden.ModelDir(layout), pruned);
            using var c = ClipModel.Load(Golden.ModelDir(layout), new ClipModelOptions { OptimizedModelCache = true, OptimizedModelCacheDirectory = cache, PruneToClassToken = false });
            string[] files = Golden.ImageFiles();
            foreach (string[] batch in new[] { files, files[..1], files[1..4] })
            {
                float[] expected = Embed(a, batch);
                Assert.Equal(expected, Embed(b, batch));
                Assert.Equal(expected, Embed(c, batch));
            }

            Assert.Null(a.VisionTower.Pruning);
            Assert.Null(c.VisionTower.Pruning);
            var result = b.VisionTower.Pruning;
            Assert.NotNull(result);
            // The last block's MLP (two products) at least; the attention output projection too where no Reshape follows it.
            Assert.True(result.PrunedMatMuls >= 2, $"{result.PrunedMatMuls} products pruned");
            Assert.True(result.InsertedGathers >= 1);
            Assert.Null(b.TextTower.Pruning);
            // Pruned and unpruned graphs are separate entries (2 towers + 1 vision), and no scratch file is left in them.
            Assert.Equal(3, Directory.GetDirectories(cache).Count(d => !Path.GetFileName(d).StartsWith('.')));
            Assert.Empty(Directory.GetFiles(cache, "pruned-source.onnx", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static float[] Embed(ClipModel model, string[] files)
    {
        var images = files.Select(f => ClipSharp.Imaging.ImageDecoder.Decode(Golden.ImagePath(f))).ToArray();
        return [.. model.EncodeImages(images).SelectMany(e => e)];
    }

    // Small graphs built here: x is [batch, tokens 4, width 3] (or [tokens, batch, width] after a transpose), and the
    // output reads token 0.

    [Fact]
    public void Prune_BroadcastOperandSpanningTheTokenAxis_IsNarrowedWithIdenticalResults()
    {
        byte[] model = new GraphBuilder()
            .Input("x", -1, 4, 3)
            .Float("pos", [4, 3]).Float("w", [3, 3]).Float("bias", [3]).Index("i0", 0)
            .Node("Add", ["x", "pos"], "h")
            .Node("MatMul", ["h", "w"], "m")
            .Node("Add", ["m", "bias"], "mb")
            .Node("Add", ["h", "mb"], "r")
            .Node("Gather", ["r", "i0"], "y", ("axis", 1L))
            .Output("y")
            .Build();

        var (result, pruned) = Rewrite(model);

        Assert.NotNull(result);
        Assert.Equal(4, result.PrunedNodes);
        Assert.Equal(1, result.PrunedMatMuls);
        Assert.Equal(2, result.InsertedGathers); // x and pos; bias is broadcast along the tokens
        AssertSameOutputs(model, pruned, [5, 4, 3]);
    }

    [Fact]
    public void Prune_TokenFirstLayout_IsFollowedThroughTheTranspose()
    {
        byte[] model = new GraphBuilder()
            .Input("x", 4, -1, 3)
            .Float("w", [3, 3]).Float("gamma", [3]).Float("beta", [3]).Index("i0", 0)
            .Node("LayerNormalization", ["x", "gamma", "beta"], "n", ("axis", -1L))
            .Node("MatMul", ["n", "w"], "m")
            .Node("Sigmoid", ["m"], "s")
            .Node("Mul", ["m", "s"], "g")
            .Node("Add", ["x", "g"], "r")
            .Node("Transpose", ["r"], "t", ("perm", new long[] { 1, 0, 2 }))
            .Node("Gather", ["t", "i0"], "y", ("axis", 1L))
            .Output("y")
            .Build();

        var (result, pruned) = Rewrite(model);

        Assert.NotNull(result);
        Assert.Equal(1, result.PrunedMatMuls);
        Assert.Equal(1, result.InsertedGathers); // x, once for both readers
        AssertSameOutputs(model, pruned, [4, 6, 3]);
    }

    [Fact]
    public void Prune_FullSequenceAlsoAnOutput_PrunesNothing()
    {
        byte[] model = new GraphBuilder()
            .Input("x", -1, 4, 3)
            .Float("w", [3, 3]).Index("i0", 0)
            .Node("MatMul", ["x", "w"], "m")
            .Node("Add", ["x", "m"], "r")
            .Node("Gather", ["r", "i0"], "y", ("axis", 1L))
            .Output("y").Output("r")
            .Build();

        Assert.Null(Rewrite(model).Result);
    }

    [Fact]
    public void Prune_OtherTokenOrTokenMixing_KeepsWhatTheOutputNeeds()
    {
        byte[] otherToken = new GraphBuilder()
            .Input("x", -1, 4, 3)
            .Float("w", [3, 3]).Index("i1", 1)
            .Node("MatMul", ["x", "w"], "m")
            .Node("Gather", ["m", "i1"], "y", ("axis", 1L))
            .Output("y")
            .Build();
        byte[] softmaxOverTokens = new GraphBuilder()
            .Input("x", -1, 4, 3)
            .Float("w", [3, 3]).Index("i0", 0)
            .Node("Softmax", ["x"], "p", ("axis", 1L))
            .Node("MatMul", ["p", "w"], "m")
            .Node("Gather", ["m", "i0"], "y", ("axis", 1L))
            .Output("y")
            .Build();

        Assert.Null(Rewrite(otherToken).Result);
        var (result, pruned) = Rewrite(softmaxOverTokens);
        Assert.NotNull(result);
        Assert.Equal(1, result.PrunedNodes); // the product after the softmax, not the softmax
        AssertSameOutputs(softmaxOverTokens, pruned, [2, 4, 3]);
    }

    [Fact]
    public void TryRewrite_ValidOrDamagedModelFile_WritesANewFileOrLeavesItToOnnxRuntime()
    {
        byte[] model = new GraphBuilder()
            .Input("x", -1, 4, 3)
            .Float("w", [3, 3]).Index("i0", 0)
            .Node("MatMul", ["x", "w"], "m")
            .Node("Gather", ["m", "i0"], "y", ("axis", 1L))
            .Output("y")
            .Build();
        string dir = Directory.CreateTempSubdirectory("clipsharp-prune-").FullName;
        try
        {
            string file = Path.Combine(dir, "model.onnx");
            string pruned = Path.Combine(dir, "pruned.onnx");
            File.WriteAllBytes(file, model);
            Assert.NotNull(ClassTokenPruning.TryRewrite(file, pruned));
            AssertSameOutputs(model, File.ReadAllBytes(pruned), [3, 4, 3]);
            File.Delete(pruned);

            File.WriteAllBytes(file, model[..(model.Length - 7)]);
            Assert.Null(ClassTokenPruning.TryRewrite(file, pruned));
            Assert.Null(ClassTokenPruning.TryRewrite(file + ".missing", pruned));
            Assert.False(File.Exists(pruned)); // nothing half-written is left behind
            Assert.Throws<InvalidDataException>(() => Rewrite(model[..(model.Length - 7)]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (ClassTokenPruning.Result? Result, byte[] Model) Rewrite(byte[] model)
    {
        using var output = new MemoryStream();
        var result = ClassTokenPruning.Rewrite(model, output);
        return (result, output.ToArray());
    }

    private static void AssertSameOutputs(byte[] original, byte[] rewritten, int[] shape)
    {
        var rng = new Random(7);
        float[] data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        Assert.Equal(Run(original, data, shape), Run(rewritten, data, shape));
    }

    private static float[] Run(byte[] model, float[] data, int[] shape)
    {
        using var session = new InferenceSession(model);
        var input = NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(data, shape));
        using var outputs = session.Run([input]);
        return [.. outputs.First().AsEnumerable<float>()];
    }

    /// <summary>Writes ONNX models field by field (onnx.proto numbering), weights filled from a fixed seed.</summary>
    private sealed class GraphBuilder
    {
        private readonly ProtoWriter _graph = new();
        private readonly Random _rng = new(11);
        private int _nodes;

        public GraphBuilder Input(string name, params long[] dims)
        {
            var shape = new ProtoWriter();
            foreach (long d in dims)
            {
                var dim = new ProtoWriter();
                if (d < 0)
                {
                    dim.WriteString(2, "batch");
                }
                else
                {
                    dim.WriteInt(1, d);
                }

                shape.WriteBytes(1, dim.ToArray());
            }

            _graph.WriteBytes(11, ValueInfo(name, shape));
            return this;
        }

        public GraphBuilder Output(string name)
        {
            _graph.WriteBytes(12, ValueInfo(name, shape: null));
            return this;
        }

        public GraphBuilder Float(string name, long[] dims)
        {
            int count = (int)dims.Aggregate(1L, (a, b) => a * b);
            byte[] raw = new byte[count * 4];
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), (float)((_rng.NextDouble() * 2) - 1));
            }

            return Tensor(name, dims, 1, raw);
        }

        /// <summary>A scalar int64 index.</summary>
        public GraphBuilder Index(string name, long value)
        {
            byte[] raw = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(raw, value);
            return Tensor(name, [], 7, raw);
        }

        public GraphBuilder Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
        {
            var node = new ProtoWriter();
            foreach (string input in inputs)
            {
                node.WriteString(1, input);
            }

            node.WriteString(2, output);
            node.WriteString(3, $"n{_nodes++}");
            node.WriteString(4, op);
            foreach (var (attrName, value) in attributes)
            {
                var attribute = new ProtoWriter();
                attribute.WriteString(1, attrName);
                if (value is long[] ints)
                {
                    foreach (long v in ints)
                    {
                        attribute.WriteInt(8, v);
                    }

                    attribute.WriteInt(20, 7); // INTS
                }
                else
                {
                    attribute.WriteInt(3, (long)value);
                    attribute.WriteInt(20, 2); // INT
                }

                node.WriteBytes(5, attribute.ToArray());
            }

            _graph.WriteBytes(1, node.ToArray());
            return this;
        }

        public byte[] Build()
        {
            _graph.WriteString(2, "test");
            var opset = new ProtoWriter();
            opset.WriteString(1, "");
            opset.WriteInt(2, 17);
            var model = new ProtoWriter();
            model.WriteInt(1, 8);
            model.WriteBytes(8, opset.ToArray());
            model.WriteBytes(7, _graph.ToArray());
            return model.ToArray();
        }

        private GraphBuilder Tensor(string name, long[] dims, int type, byte[] raw)
        {
            var tensor = new ProtoWriter();
            foreach (long d in dims)
            {
                tensor.WriteInt(1, d);
            }

            tensor.WriteInt(2, type);
            tensor.WriteString(8, name);
            tensor.WriteBytes(9, raw);
            _graph.WriteBytes(5, tensor.ToArray());
            return this;
        }

        private static byte[] ValueInfo(string name, ProtoWriter? shape)
        {
            var tensorType = new ProtoWriter();
            tensorType.WriteInt(1, 1); // float
            if (shape is not null)
            {
                tensorType.WriteBytes(2, shape.ToArray());
            }

            var type = new ProtoWriter();
            type.WriteBytes(1, tensorType.ToArray());
            var info = new ProtoWriter();
            info.WriteString(1, name);
            info.WriteBytes(2, type.ToArray());
            return info.ToArray();
        }
    }
}
