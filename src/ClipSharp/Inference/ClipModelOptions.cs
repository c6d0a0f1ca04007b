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

    /// <summary>
    /// Start creating both ONNX sessions in the background as soon as <see cref="ClipModel.Load(string, ClipModelOptions?)"/>
    /// has found the model files, so they load while the tokenizer is read and while the caller prepares its work (the
    /// cold start of a command line that needs both towers). Load then returns without waiting; the first call that
    /// needs a tower, or <see cref="ClipModel.Warm"/>, waits for it and reports its errors. Off by default: sessions
    /// are created on first use.
    /// </summary>
    public bool WarmInBackground { get; set; }

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

    /// <summary>
    /// The memory budget that this model's image decodes reserve from before they decode (<see cref="ClipModel.EncodeImage(string)"/>,
    /// <see cref="ClipModel.EncodeImageFiles(IEnumerable{string}, CancellationToken)"/> and the server's requests): a decode
    /// waits while others hold the budget, and an image whose decode alone needs more is refused
    /// (<see cref="ClipErrorKind.ImageTooLarge"/>, naming the limit). Null (default) uses
    /// <see cref="DecodeMemoryBudget.Shared"/> (<see cref="DecodeMemoryBudget.DefaultCapacityBytes"/>), shared by every model
    /// of the process; give several models one instance to share another limit.
    /// </summary>
    public DecodeMemoryBudget? DecodeMemory { get; set; }

    /// <summary>Image decoding options (pixel limit, EXIF orientation).</summary>
    public ImageDecodeOptions? Decode { get; set; }

    /// <summary>
    /// With a dynamic sequence axis, send only up to the longest real token count of a batch (default). Off sends
    /// the full context; tests use it to prove the two give the same embeddings.
    /// </summary>
    internal bool TrimTextPadding { get; set; } = true;

    /// <summary>
    /// When the optimised-model cache is written, compute the vision tower's last row-wise operators for the class token
    /// only, the one token its output reads (default; identical embeddings, see
    /// <see cref="Inference.Onnx.ClassTokenPruning"/>). Without the cache the graph is loaded as it is. Tests turn it off to
    /// prove the two give the same embeddings.
    /// </summary>
    internal bool PruneToClassToken { get; set; } = true;

    /// <summary>Tokenizer options (context length, padding id).</summary>
    public ClipTokenizerOptions? Tokenizer { get; set; }

    /// <summary>
    /// The environment variable that sets the defaults of <see cref="OptimizedModelCache"/> and
    /// <see cref="OptimizedModelCacheDirectory"/>: <c>off</c> (or <c>0</c>, <c>false</c>, <c>no</c>) turns the cache off,
    /// any other value is the cache folder.
    /// </summary>
    public const string OptimizedModelCacheEnvironmentVariable = "CLIPSHARP_OPTIMIZED_MODELS";

    /// <summary>
    /// Keep ONNX Runtime's optimised form of each model file in a cache (CPU only): the first load writes the optimised
    /// graph with its weights already packed for the matrix kernels, later loads memory-map it and skip parsing,
    /// optimisation and weight packing (session creation several times faster, measured in docs/performance.md;
    /// embeddings are bit-identical).
    /// The cache is keyed by the model file (size, time, sampled content), the ONNX Runtime version and the processor's
    /// instruction set; entries are written atomically, and one that is damaged is ignored, removed and rewritten.
    /// An entry takes about twice the model file's size on disk. Default: on, unless
    /// <c>$CLIPSHARP_OPTIMIZED_MODELS</c> is <c>off</c>.
    /// </summary>
    public bool OptimizedModelCache { get; set; } = !IsOff(Environment.GetEnvironmentVariable(OptimizedModelCacheEnvironmentVariable));

    /// <summary>
    /// Where <see cref="OptimizedModelCache"/> keeps its entries. Null (default, unless <c>$CLIPSHARP_OPTIMIZED_MODELS</c>
    /// names a folder): a <c>.clipsharp-cache</c> folder beside each ONNX file when that folder is writable, else
    /// <c>optimized/</c> in the user cache folder (<c>$CLIPSHARP_HOME</c>, else <c>$XDG_CACHE_HOME/clipsharp</c>, else
    /// <c>~/.cache/clipsharp</c>).
    /// </summary>
    public string? OptimizedModelCacheDirectory { get; set; } = DirectoryFrom(Environment.GetEnvironmentVariable(OptimizedModelCacheEnvironmentVariable));

    /// <summary>The user cache folder for entries of read-only model folders; null uses the default. Tests point it elsewhere.</summary>
    internal string? OptimizedModelCacheUserRoot { get; set; }

    /// <summary>A shallow copy of these options with <see cref="Variant"/> set to <paramref name="variant"/>.</summary>
    internal ClipModelOptions WithVariant(string? variant)
    {
        var copy = (ClipModelOptions)MemberwiseClone();
        copy.Variant = variant;
        return copy;
    }

    private static bool IsOff(string? value)
        => value is not null && value.Trim().ToLowerInvariant() is "off" or "0" or "false" or "no";

    private static string? DirectoryFrom(string? value)
        => string.IsNullOrWhiteSpace(value) || IsOff(value) ? null : value;
}
