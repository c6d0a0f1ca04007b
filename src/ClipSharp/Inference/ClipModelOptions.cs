using ClipSharp.Imaging;
using ClipSharp.Text;

namespace ClipSharp;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum ClipExecutionProvider
{
    /// <summary>The CPU (default; always available).</summary>
    Cpu = 0,

    /// <summary>NVIDIA CUDA; needs the Microsoft.ML.OnnxRuntime.Gpu package and a GPU at run time.</summary>
    Cuda,
}

/// <summary>Options for <see cref="ClipModel.Load(string, ClipModelOptions?)"/>.</summary>
public sealed class ClipModelOptions
{
    /// <summary>Threads ONNX Runtime uses inside one operator; 0 (default) means one per processor core.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>The execution provider; <see cref="ClipExecutionProvider.Cpu"/> by default.</summary>
    public ClipExecutionProvider ExecutionProvider { get; set; }

    /// <summary>CUDA device index when <see cref="ExecutionProvider"/> is CUDA.</summary>
    public int DeviceId { get; set; }

    /// <summary>
    /// Hugging Face layout only: which export variant to load, e.g. <c>"quantized"</c> or <c>"fp16"</c>
    /// (the <c>onnx/vision_model_{variant}.onnx</c> files). Null loads the plain fp32 files.
    /// </summary>
    public string? Variant { get; set; }

    /// <summary>
    /// The logit scale used for probabilities. Null (default) takes <c>logit_scale</c> from the model folder's
    /// <c>config.json</c> when present, else 100, the trained value of OpenAI's CLIP models.
    /// </summary>
    public float? LogitScale { get; set; }

    /// <summary>The largest batch sent to ONNX Runtime in one call; bigger requests are split. Default 32.</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// Decode large JPEGs at a reduced scale inside the DCT (1/2, 1/4 or 1/8, keeping at least twice the model's input
    /// size) before the exact resampler, for <see cref="ClipModel.EncodeImage(string)"/> and
    /// <see cref="ClipModel.EncodeImageFiles(IEnumerable{string}, CancellationToken)"/>. Several times faster on camera
    /// photos; embeddings then differ slightly from the reference pipeline's (measured in docs/performance.md). Off by
    /// default: the default path is exact. (The photo indexer chooses per call, fast by default, with
    /// <see cref="ClipModel.EncodeImageFiles(IEnumerable{string}, bool, CancellationToken)"/>.)
    /// </summary>
    public bool FastJpegDecode { get; set; }

    /// <summary>Image decoding options (pixel limit, EXIF orientation).</summary>
    public ImageDecodeOptions? Decode { get; set; }

    /// <summary>
    /// With a dynamic sequence axis, send only up to the longest real token count of a batch (default). Off sends
    /// the full context; tests use it to prove the two give the same embeddings.
    /// </summary>
    internal bool TrimTextPadding { get; set; } = true;

    /// <summary>Tokenizer options (context length, padding id).</summary>
    public ClipTokenizerOptions? Tokenizer { get; set; }
}
