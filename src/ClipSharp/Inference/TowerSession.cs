using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ClipSharp;

/// <summary>
/// An ONNX Runtime session of one tower with what its graph declares: the input to feed (pixels or token ids, and the
/// text tower's optional attention mask), the embedding output, their element types and static dimensions. Owns the
/// session, its options and its run options.
/// </summary>
internal sealed class TowerSession : IDisposable
{
    private static readonly string[] s_imageInputNames = ["image", "pixel_values"];
    private static readonly string[] s_textInputNames = ["text", "input_ids"];
    private static readonly string[] s_imageOutputNames = ["embedding", "image_embeds"];
    private static readonly string[] s_textOutputNames = ["embedding", "text_embeds"];

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

    /// <summary>Reads the graph's inputs and outputs; refuses a graph that is not a CLIP tower of the kind given.</summary>
    public static TowerSession Create(InferenceSession session, SessionOptions so, string path, bool isText)
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
        return new TowerSession
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
