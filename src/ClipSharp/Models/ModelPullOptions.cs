namespace ClipSharp.Models;

/// <summary>How <see cref="ModelHub.PullAsync"/> pulls a model.</summary>
public sealed class ModelPullOptions
{
    /// <summary>The variant (Hugging Face layout: <c>quantized</c>, <c>fp16</c>); null for fp32.</summary>
    public string? Variant { get; init; }

    /// <summary>
    /// A branch, tag or commit to pull instead of the catalog's revision. The pull resolves it to one commit and
    /// fetches every file at that commit; a cached copy at another commit is replaced.
    /// </summary>
    public string? Revision { get; init; }

    /// <summary>Download every file again, ignoring the cached model, partial downloads and copies elsewhere.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Count the optimised-model cache the first load writes (about twice the ONNX files) in the free-space check: when
    /// the model fits but its optimised copy would not, <see cref="Notice"/> says so.
    /// </summary>
    public bool CountOptimizedCache { get; init; }

    /// <summary>Receives progress reports.</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>Receives one-line notices: retries, waits for another pull, files reused from elsewhere.</summary>
    public Action<string>? Notice { get; init; }
}
