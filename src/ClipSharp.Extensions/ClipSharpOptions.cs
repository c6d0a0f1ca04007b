namespace ClipSharp.Extensions;

/// <summary>Settings for <see cref="ClipSharpServiceCollectionExtensions.AddClipSharp(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{ClipSharpOptions})"/>, bindable from a configuration section ("ClipSharp").</summary>
public sealed class ClipSharpOptions
{
    /// <summary>The configuration section name used by default.</summary>
    public const string SectionName = "ClipSharp";

    /// <summary>A model folder or a catalog name (e.g. <c>ViT-B-32</c>); required.</summary>
    public string Model { get; set; } = string.Empty;

    /// <summary>Hugging Face layout variant (<c>quantized</c>, <c>fp16</c>), or null.</summary>
    public string? Variant { get; set; }

    /// <summary>Never download: a catalog model must already be cached.</summary>
    public bool Offline { get; set; }

    /// <summary>The model cache folder; null uses CLIPSHARP_HOME / the XDG cache.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The hub (or mirror) catalog models are downloaded from; null uses HF_ENDPOINT, else https://huggingface.co.</summary>
    public string? HubEndpoint { get; set; }

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Largest batch per inference call.</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>Largest image accepted, in pixels (decompression bomb guard).</summary>
    public long MaxImagePixels { get; set; } = 178_956_970;

    /// <summary>
    /// The most memory, in MiB, that the model's image decodes may hold at once; decodes wait for it, and an image whose
    /// decode alone needs more is refused. Null (default) uses the process-wide <see cref="ClipSharp.Imaging.DecodeMemoryBudget.Shared"/>
    /// (<see cref="ClipSharp.Imaging.DecodeMemoryBudget.DefaultCapacityBytes"/>).
    /// </summary>
    public int? DecodeMemoryMegabytes { get; set; }

    /// <summary>Create both ONNX sessions when the model is first resolved rather than on first use.</summary>
    public bool Warm { get; set; } = true;
}
