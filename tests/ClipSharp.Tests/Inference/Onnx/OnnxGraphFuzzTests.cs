using ClipSharp.Inference.Onnx;
using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Inference.Onnx;

/// <summary>
/// Mutation fuzz of the ONNX protobuf reader (<see cref="OnnxGraph"/>) and writer (the rewrite of
/// <see cref="ClassTokenPruning"/>): tags, lengths and values of the graph's varints are mutated in the micro test models.
/// The documented outcome of <see cref="ClassTokenPruning.Rewrite"/>: a result or null, or InvalidDataException /
/// OverflowException for a malformed file (which <see cref="ClassTokenPruning.TryRewrite"/> turns into "load the original");
/// any other exception would escape model loading. A rewritten model must parse again.
/// </summary>
public class OnnxGraphFuzzTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void OnnxRewrite_MutatedModels_RewriteOrRefuseWithInvalidData()
    {
        const int Cases = 1000;
        List<byte[]> seeds =
        [
            File.ReadAllBytes(TestData.Path("models", "micro", "openclip", "visual", "model.onnx")),
            File.ReadAllBytes(TestData.Path("models", "micro", "hf", "onnx", "vision_model.onnx")),
        ];
        var target = new FuzzTarget
        {
            Name = "ONNX reader/writer",
            Parse = model =>
            {
                using var rewritten = new MemoryStream();
                if (ClassTokenPruning.Rewrite(model, rewritten) is not null)
                {
                    OnnxGraph.Parse(rewritten.ToArray());
                }
            },
            CheckRejection = ex => ex is InvalidDataException or OverflowException ? null : $"{ex.GetType().Name} would escape ClassTokenPruning.TryRewrite",
            // The rewritten copy (a growing stream, then its array) and the parsed structure.
            AllocationBound = length => (8L * length) + (4 << 20),
        };

        FuzzReport report = FuzzRunner.Run(target, seeds, Cases, seed: 67, ProtoMutator.Mutate);
        output.WriteLine(report.ToString());
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 10, Cases);
    }
}
