using System.Globalization;
using System.Text.Json;

namespace ClipSharp;

/// <summary>The files of one model folder, resolved and checked, before anything heavy is loaded.</summary>
internal sealed class ModelFolder
{
    private ModelFolder(string root, ModelLayout layout, string visualModel, string textModel, string preprocessConfig, string tokenizerPath, string? configJson)
    {
        Root = root;
        Layout = layout;
        VisualModel = visualModel;
        TextModel = textModel;
        PreprocessConfig = preprocessConfig;
        TokenizerPath = tokenizerPath;
        ConfigJson = configJson;
    }

    public string Root { get; }

    public ModelLayout Layout { get; }

    public string VisualModel { get; }

    public string TextModel { get; }

    public string PreprocessConfig { get; }

    /// <summary>The folder holding the tokenizer files (textual/ for open_clip, the root for Hugging Face).</summary>
    public string TokenizerPath { get; }

    public string? ConfigJson { get; }

    private static readonly string[] s_tokenizerFiles = ["tokenizer.json", "vocab.json", "bpe_simple_vocab_16e6.txt.gz"];

    public static ModelFolder Resolve(string path, string? variant)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string root = Path.GetFullPath(path);
        if (File.Exists(root))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, "expected a model folder, found a file", path);
        }

        if (!Directory.Exists(root))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, "model folder not found", path);
        }

        string? config = File.Exists(Path.Combine(root, "config.json")) ? Path.Combine(root, "config.json") : null;
        bool looksOpenClip = Directory.Exists(Path.Combine(root, "visual")) || Directory.Exists(Path.Combine(root, "textual"));
        bool looksHf = Directory.Exists(Path.Combine(root, "onnx"));

        if (looksOpenClip)
        {
            if (variant is not null)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, $"variant '{variant}' was asked for, but variants exist only in the Hugging Face layout; this folder has the open_clip layout", path);
            }

            var missing = new List<string>();
            string visual = Need(root, "visual/model.onnx", missing);
            string preprocess = Need(root, "visual/preprocess_cfg.json", missing);
            string text = Need(root, "textual/model.onnx", missing);
            string textual = Path.Combine(root, "textual");
            if (!s_tokenizerFiles.Any(f => File.Exists(Path.Combine(textual, f))))
            {
                missing.Add("textual/tokenizer.json (or textual/vocab.json + merges.txt)");
            }

            ThrowIfMissing(path, root, "open_clip", missing);
            return new ModelFolder(root, ModelLayout.OpenClip, visual, text, preprocess, textual, config);
        }

        if (looksHf)
        {
            string suffix = variant is null ? string.Empty : "_" + variant;
            var missing = new List<string>();
            string visual = Need(root, $"onnx/vision_model{suffix}.onnx", missing);
            string text = Need(root, $"onnx/text_model{suffix}.onnx", missing);
            string preprocess = Need(root, "preprocessor_config.json", missing);
            if (!s_tokenizerFiles.Any(f => File.Exists(Path.Combine(root, f))))
            {
                missing.Add("tokenizer.json (or vocab.json + merges.txt)");
            }

            if (missing.Count > 0 && variant is not null)
            {
                string[] variants = Directory.EnumerateFiles(Path.Combine(root, "onnx"), "vision_model*.onnx")
                    .Select(f => Path.GetFileNameWithoutExtension(f)["vision_model".Length..].TrimStart('_'))
                    .Select(v => v.Length == 0 ? "(plain fp32)" : v)
                    .Order(StringComparer.Ordinal)
                    .ToArray();
                throw new ClipSharpException(ClipErrorKind.InvalidModel,
                    $"variant '{variant}' not found (missing {string.Join(", ", missing)}); variants present: {(variants.Length == 0 ? "none" : string.Join(", ", variants))}", path);
            }

            ThrowIfMissing(path, root, "Hugging Face", missing);
            return new ModelFolder(root, ModelLayout.HuggingFace, visual, text, preprocess, root, config);
        }

        throw new ClipSharpException(ClipErrorKind.InvalidModel,
            "not a CLIP model folder: expected the open_clip layout (visual/model.onnx, visual/preprocess_cfg.json, textual/model.onnx, textual/tokenizer.json) "
            + "or the Hugging Face layout (onnx/vision_model.onnx, onnx/text_model.onnx, preprocessor_config.json, tokenizer.json); found: "
            + Describe(root), path);
    }

    /// <summary>
    /// The logit scale declared by the folder: a top-level <c>logit_scale</c> number in config.json (the scale
    /// itself, e.g. 100). Hugging Face's <c>logit_scale_init_value</c> is the untrained initial value and is ignored.
    /// </summary>
    public float? ReadLogitScale()
    {
        if (ConfigJson is null)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(ConfigJson));
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("logit_scale", out var scale))
            {
                if (scale.ValueKind != JsonValueKind.Number || !scale.TryGetSingle(out float value) || !float.IsFinite(value) || value <= 0)
                {
                    throw new ClipSharpException(ClipErrorKind.InvalidModel, $"'logit_scale' must be a positive number, found {scale.GetRawText()}", ConfigJson);
                }

                return value;
            }

            return null;
        }
        catch (JsonException ex)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, "malformed JSON: " + ex.Message, ConfigJson, ex);
        }
    }

    private static string Need(string root, string relative, List<string> missing)
    {
        string full = Path.Combine(root, relative);
        if (!File.Exists(full))
        {
            missing.Add(relative);
        }

        return full;
    }

    private static void ThrowIfMissing(string path, string root, string layout, List<string> missing)
    {
        if (missing.Count > 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"incomplete {layout} model folder: missing {string.Join(", ", missing)}; found: {Describe(root)}", path);
        }
    }

    private static string Describe(string root)
    {
        var entries = new List<string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(entry);
            if (Directory.Exists(entry))
            {
                string[] inner = Directory.EnumerateFiles(entry).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(8).ToArray()!;
                entries.Add(string.Create(CultureInfo.InvariantCulture, $"{name}/ [{string.Join(", ", inner)}]"));
            }
            else
            {
                entries.Add(name);
            }

            if (entries.Count >= 20)
            {
                entries.Add("…");
                break;
            }
        }

        return entries.Count == 0 ? "an empty folder" : string.Join(", ", entries);
    }
}
