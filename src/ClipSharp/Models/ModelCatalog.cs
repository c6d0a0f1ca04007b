namespace ClipSharp.Models;

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
