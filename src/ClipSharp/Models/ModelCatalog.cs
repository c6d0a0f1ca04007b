namespace ClipSharp.Models;

/// <summary>A named model in the catalog: where its public ONNX export lives on the Hugging Face hub.</summary>
public sealed class CatalogEntry
{
    internal CatalogEntry(string name, ModelLayout layout, string repository, string revision, int embeddingDimension, int imageSize,
        int contextLength, long approximateBytes, IReadOnlyList<string> files, IReadOnlyList<string> variants, string description)
    {
        Name = name;
        Layout = layout;
        Repository = repository;
        Revision = revision;
        EmbeddingDimension = embeddingDimension;
        ImageSize = imageSize;
        ContextLength = contextLength;
        ApproximateBytes = approximateBytes;
        Files = files;
        Variants = variants;
        Description = description;
    }

    /// <summary>The name used on the command line (<c>--model NAME</c>).</summary>
    public string Name { get; }

    /// <summary>The export layout of the repository.</summary>
    public ModelLayout Layout { get; }

    /// <summary>The hub repository, <c>owner/name</c>.</summary>
    public string Repository { get; }

    /// <summary>The revision (branch, tag or commit) files are fetched from.</summary>
    public string Revision { get; }

    /// <summary>Embedding width.</summary>
    public int EmbeddingDimension { get; }

    /// <summary>Side of the square image input.</summary>
    public int ImageSize { get; }

    /// <summary>Text context length in tokens.</summary>
    public int ContextLength { get; }

    /// <summary>Approximate download size of the fp32 files in bytes (the exact size is read from the hub when pulling).</summary>
    public long ApproximateBytes { get; }

    /// <summary>Variants besides plain fp32 (Hugging Face layout: <c>quantized</c>, <c>fp16</c>).</summary>
    public IReadOnlyList<string> Variants { get; }

    /// <summary>A one-line description.</summary>
    public string Description { get; }

    /// <summary>The fp32 files, relative to the repository root.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The files of <paramref name="variant"/> (null: fp32), relative to the repository root.</summary>
    /// <exception cref="ClipSharpException">The entry has no such variant.</exception>
    public IReadOnlyList<string> FilesFor(string? variant)
    {
        if (variant is null)
        {
            return Files;
        }

        if (!Variants.Contains(variant))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"model '{Name}' has no variant '{variant}'; variants: {(Variants.Count == 0 ? "none" : string.Join(", ", Variants))}");
        }

        return Files.Select(f => f.EndsWith(".onnx", StringComparison.Ordinal) ? f[..^".onnx".Length] + "_" + variant + ".onnx" : f).ToArray();
    }

    /// <summary>Approximate download size of a variant.</summary>
    public long ApproximateBytesFor(string? variant) => variant switch
    {
        null => ApproximateBytes,
        "fp16" => ApproximateBytes / 2,
        "quantized" or "int8" or "uint8" => ApproximateBytes / 4,
        _ => ApproximateBytes,
    };
}

/// <summary>The published CLIP models ClipSharp knows by name.</summary>
public static class ModelCatalog
{
    /// <summary>The model used when none is named: OpenAI's ViT-B/32.</summary>
    public const string DefaultModelName = "ViT-B-32";

    private const long MB = 1_000_000;

    // Immich's exports of OpenAI's checkpoints (open_clip layout, int32 text).
    private static readonly string[] s_openClipFiles =
    [
        "config.json",
        "visual/model.onnx",
        "visual/preprocess_cfg.json",
        "textual/model.onnx",
        "textual/tokenizer.json",
        "textual/tokenizer_config.json",
        "textual/special_tokens_map.json",
        "textual/vocab.json",
        "textual/merges.txt",
    ];

    // transformers.js exports (Hugging Face layout, int64 text).
    private static readonly string[] s_hfFiles =
    [
        "config.json",
        "preprocessor_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.json",
        "merges.txt",
        "onnx/vision_model.onnx",
        "onnx/text_model.onnx",
    ];

    private static readonly string[] s_hfVariants = ["quantized", "fp16"];

    // Sizes are parameter counts × 4 bytes (fp32), rounded; the hub's own sizes are shown when pulling.
    // Revisions follow the repositories' main branch; the commit actually fetched is recorded in the cache.
    private static readonly CatalogEntry[] s_entries =
    [
        new("ViT-B-32", ModelLayout.OpenClip, "immich-app/ViT-B-32__openai", "main", 512, 224, 77, 606 * MB, s_openClipFiles, [], "OpenAI CLIP ViT-B/32 (the default)"),
        new("ViT-B-16", ModelLayout.OpenClip, "immich-app/ViT-B-16__openai", "main", 512, 224, 77, 599 * MB, s_openClipFiles, [], "OpenAI CLIP ViT-B/16"),
        new("ViT-L-14", ModelLayout.OpenClip, "immich-app/ViT-L-14__openai", "main", 768, 224, 77, 1_710 * MB, s_openClipFiles, [], "OpenAI CLIP ViT-L/14"),
        new("ViT-L-14-336", ModelLayout.OpenClip, "immich-app/ViT-L-14-336__openai", "main", 768, 336, 77, 1_712 * MB, s_openClipFiles, [], "OpenAI CLIP ViT-L/14 at 336 px"),
        new("clip-vit-base-patch32", ModelLayout.HuggingFace, "Xenova/clip-vit-base-patch32", "main", 512, 224, 77, 605 * MB, s_hfFiles, s_hfVariants, "OpenAI CLIP ViT-B/32, transformers.js export"),
        new("clip-vit-base-patch16", ModelLayout.HuggingFace, "Xenova/clip-vit-base-patch16", "main", 512, 224, 77, 599 * MB, s_hfFiles, s_hfVariants, "OpenAI CLIP ViT-B/16, transformers.js export"),
        new("clip-vit-large-patch14", ModelLayout.HuggingFace, "Xenova/clip-vit-large-patch14", "main", 768, 224, 77, 1_710 * MB, s_hfFiles, s_hfVariants, "OpenAI CLIP ViT-L/14, transformers.js export"),
    ];

    /// <summary>All catalog entries.</summary>
    public static IReadOnlyList<CatalogEntry> Entries => s_entries;

    /// <summary>Finds an entry by name (case-insensitive), or by its repository (<c>owner/name</c>).</summary>
    public static CatalogEntry? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(e.Repository, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Splits <c>NAME:VARIANT</c> (e.g. <c>clip-vit-base-patch32:quantized</c>); no colon means no variant.</summary>
    public static (string Name, string? Variant) ParseReference(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        int colon = reference.LastIndexOf(':');
        return colon > 0 && colon < reference.Length - 1
            ? (reference[..colon], reference[(colon + 1)..])
            : (reference, null);
    }
}
