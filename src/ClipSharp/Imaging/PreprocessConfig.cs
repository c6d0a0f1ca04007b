using System.Globalization;
using System.Text.Json;

namespace ClipSharp.Imaging;

/// <summary>The image preprocessing of a CLIP model: output size, resize mode and filter, normalisation. Immutable and validated.</summary>
public sealed class PreprocessConfig
{
    private static readonly float[] s_openAiMean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] s_openAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    private PreprocessConfig(int size, ResizeMode mode, ResizeFilter filter, float[] mean, float[] std, int fillColor)
    {
        Size = size;
        ResizeMode = mode;
        Filter = filter;
        Mean = Array.AsReadOnly(mean);
        Std = Array.AsReadOnly(std);
        FillColor = fillColor;
    }

    /// <summary>The output side S: the preprocessed image is S×S.</summary>
    public int Size { get; }

    /// <summary>How the image is fitted to S×S.</summary>
    public ResizeMode ResizeMode { get; }

    /// <summary>The resampling filter.</summary>
    public ResizeFilter Filter { get; }

    /// <summary>Per-channel (R, G, B) mean subtracted after scaling to [0, 1].</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel (R, G, B) standard deviation divided by after subtracting the mean.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>The 0..255 grey level used to pad the letterbox in <see cref="ResizeMode.Longest"/>.</summary>
    public int FillColor { get; }

    /// <summary>OpenAI's <c>clip._transform(224)</c>: 224, shortest side + centre crop, bicubic, OpenAI mean/std.</summary>
    public static PreprocessConfig OpenAI { get; } = new(224, ResizeMode.Shortest, ResizeFilter.Bicubic, s_openAiMean, s_openAiStd, 0);

    /// <summary>Creates a validated configuration. Throws <see cref="ClipSharpException"/> (<see cref="ClipErrorKind.InvalidInput"/>) for bad values.</summary>
    public static PreprocessConfig Create(int size, ResizeMode mode, ResizeFilter filter, IReadOnlyList<float> mean, IReadOnlyList<float> std, int fillColor = 0)
    {
        string? error = Validate(size, mode, filter, mean, std, fillColor);
        if (error is not null)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, error);
        }

        return new PreprocessConfig(size, mode, filter, [.. mean], [.. std], fillColor);
    }

    private static string? Validate(int size, ResizeMode mode, ResizeFilter filter, IReadOnlyList<float>? mean, IReadOnlyList<float>? std, int fillColor)
    {
        if (size is < 1 or > 8192)
        {
            return $"size must be in 1..8192, got {size}";
        }

        if (!Enum.IsDefined(mode))
        {
            return $"unknown resize mode {(int)mode}";
        }

        if (!Enum.IsDefined(filter))
        {
            return $"unknown resize filter {(int)filter}";
        }

        if (mean is null || mean.Count != 3 || mean.Any(m => !float.IsFinite(m)))
        {
            return "mean must be 3 finite numbers";
        }

        if (std is null || std.Count != 3 || std.Any(s => !float.IsFinite(s) || s <= 0))
        {
            return "std must be 3 finite positive numbers";
        }

        if (fillColor is < 0 or > 255)
        {
            return $"fill_color must be in 0..255, got {fillColor}";
        }

        return null;
    }

    private static bool TryInt(JsonElement e, out int value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out value);
    }

    private static ClipSharpException Bad(string path, string key, string why)
        => new(ClipErrorKind.InvalidModel, $"invalid preprocessing config key '{key}': {why}", path);

    private static JsonDocument ParseJson(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, $"cannot read preprocessing config: {ex.Message}", path, ex);
        }

        try
        {
            var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw new ClipSharpException(ClipErrorKind.InvalidModel, "preprocessing config is not a JSON object", path);
            }

            return doc;
        }
        catch (JsonException ex)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, $"invalid JSON in preprocessing config: {ex.Message}", path, ex);
        }
    }

    private static float[] ReadFloats(JsonElement root, string key, string path, float[] fallback)
    {
        if (!root.TryGetProperty(key, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double single))
        {
            return [(float)single, (float)single, (float)single];
        }

        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 3
            || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number || !x.TryGetDouble(out _)))
        {
            throw Bad(path, key, $"expected 3 numbers, got {e.GetRawText()}");
        }

        return [.. e.EnumerateArray().Select(x => (float)x.GetDouble())];
    }

    private static int ReadSquareSize(JsonElement e, string path, string key)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number when TryInt(e, out int s):
                return s;
            case JsonValueKind.Array when e.GetArrayLength() == 2 && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number && TryInt(x, out _)):
                int h = e[0].GetInt32(), w = e[1].GetInt32();
                if (h != w)
                {
                    throw Bad(path, key, $"non-square size [{h}, {w}] is not supported");
                }

                return h;
            case JsonValueKind.Object when e.TryGetProperty("height", out JsonElement he) && e.TryGetProperty("width", out JsonElement we)
                                           && TryInt(he, out int hh) && TryInt(we, out int ww):
                if (hh != ww)
                {
                    throw Bad(path, key, $"non-square size {hh}x{ww} is not supported");
                }

                return hh;
            default:
                throw Bad(path, key, $"expected an integer or a square [h, w], got {e.GetRawText()}");
        }
    }

    private static PreprocessConfig Build(string path, string key, int size, ResizeMode mode, ResizeFilter filter, float[] mean, float[] std, int fill)
    {
        string? error = Validate(size, mode, filter, mean, std, fill);
        return error is null ? new PreprocessConfig(size, mode, filter, mean, std, fill) : throw Bad(path, key, error);
    }

    /// <summary>
    /// Loads an open_clip <c>preprocess_cfg.json</c>: <c>size</c> (int or square [h, w]), <c>mean</c>, <c>std</c>,
    /// <c>interpolation</c> ("bicubic", "bilinear", "nearest"), <c>resize_mode</c> ("shortest", "longest", "squash"),
    /// <c>fill_color</c>. Missing keys take open_clip's defaults. Unknown or invalid values throw
    /// <see cref="ClipSharpException"/> (<see cref="ClipErrorKind.InvalidModel"/>) naming the file and the key.
    /// </summary>
    public static PreprocessConfig LoadOpenClip(string preprocessCfgJsonPath)
    {
        ArgumentNullException.ThrowIfNull(preprocessCfgJsonPath);
        string path = preprocessCfgJsonPath;
        using JsonDocument doc = ParseJson(path);
        JsonElement root = doc.RootElement;

        if (!root.TryGetProperty("size", out JsonElement sizeEl))
        {
            throw Bad(path, "size", "missing");
        }

        int size = ReadSquareSize(sizeEl, path, "size");
        ResizeFilter filter = ResizeFilter.Bicubic;
        if (root.TryGetProperty("interpolation", out JsonElement ie) && ie.ValueKind != JsonValueKind.Null)
        {
            filter = (ie.ValueKind == JsonValueKind.String ? ie.GetString() : null) switch
            {
                "bicubic" => ResizeFilter.Bicubic,
                "bilinear" => ResizeFilter.Bilinear,
                "nearest" => ResizeFilter.Nearest,
                _ => throw Bad(path, "interpolation", $"unknown value {ie.GetRawText()} (expected bicubic, bilinear or nearest)"),
            };
        }

        ResizeMode mode = ResizeMode.Shortest;
        if (root.TryGetProperty("resize_mode", out JsonElement re) && re.ValueKind != JsonValueKind.Null)
        {
            mode = (re.ValueKind == JsonValueKind.String ? re.GetString() : null) switch
            {
                "shortest" => ResizeMode.Shortest,
                "longest" => ResizeMode.Longest,
                "squash" => ResizeMode.Squash,
                _ => throw Bad(path, "resize_mode", $"unknown value {re.GetRawText()} (expected shortest, longest or squash)"),
            };
        }

        int fill = 0;
        if (root.TryGetProperty("fill_color", out JsonElement fe) && fe.ValueKind != JsonValueKind.Null && !TryInt(fe, out fill))
        {
            throw Bad(path, "fill_color", $"expected an integer, got {fe.GetRawText()}");
        }

        if (root.TryGetProperty("mode", out JsonElement me) && me.ValueKind == JsonValueKind.String && me.GetString() != "RGB")
        {
            throw Bad(path, "mode", $"only RGB is supported, got {me.GetRawText()}");
        }

        float[] mean = ReadFloats(root, "mean", path, s_openAiMean);
        float[] std = ReadFloats(root, "std", path, s_openAiStd);
        return Build(path, "size/mean/std/fill_color", size, mode, filter, mean, std, fill);
    }

    /// <summary>
    /// Loads a Hugging Face <c>preprocessor_config.json</c> (<c>CLIPImageProcessor</c>): <c>size.shortest_edge</c>
    /// (or an int), <c>crop_size</c> (int or {height, width}), <c>resample</c> (0 nearest, 2 bilinear, 3 bicubic),
    /// <c>image_mean</c>, <c>image_std</c>, <c>do_resize</c>, <c>do_center_crop</c>, <c>do_normalize</c>,
    /// <c>rescale_factor</c>. A <c>size</c> of {height, width} means a squash resize. The result runs OpenAI's
    /// pipeline (torchvision crop rounding, float32 arithmetic), which Hugging Face's numpy port reproduces up to
    /// rounding. Invalid or unsupported values throw <see cref="ClipSharpException"/> (<see cref="ClipErrorKind.InvalidModel"/>).
    /// </summary>
    public static PreprocessConfig LoadHuggingFace(string preprocessorConfigJsonPath)
    {
        ArgumentNullException.ThrowIfNull(preprocessorConfigJsonPath);
        string path = preprocessorConfigJsonPath;
        using JsonDocument doc = ParseJson(path);
        JsonElement root = doc.RootElement;

        bool Flag(string key, bool fallback)
        {
            if (!root.TryGetProperty(key, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
            {
                return fallback;
            }

            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Bad(path, key, $"expected true or false, got {e.GetRawText()}"),
            };
        }

        if (!Flag("do_resize", true))
        {
            throw Bad(path, "do_resize", "false is not supported: CLIP needs a fixed input size");
        }

        if (!Flag("do_convert_rgb", true))
        {
            throw Bad(path, "do_convert_rgb", "false is not supported");
        }

        if (!root.TryGetProperty("size", out JsonElement sizeEl))
        {
            throw Bad(path, "size", "missing");
        }

        ResizeMode mode;
        int resizeTo;
        if (sizeEl.ValueKind == JsonValueKind.Object && sizeEl.TryGetProperty("shortest_edge", out JsonElement se))
        {
            if (!TryInt(se, out resizeTo))
            {
                throw Bad(path, "size.shortest_edge", $"expected an integer, got {se.GetRawText()}");
            }

            mode = ResizeMode.Shortest;
        }
        else if (sizeEl.ValueKind == JsonValueKind.Number)
        {
            if (!TryInt(sizeEl, out resizeTo))
            {
                throw Bad(path, "size", $"expected an integer, got {sizeEl.GetRawText()}");
            }

            mode = ResizeMode.Shortest;
        }
        else if (sizeEl.ValueKind == JsonValueKind.Object && sizeEl.TryGetProperty("height", out _))
        {
            resizeTo = ReadSquareSize(sizeEl, path, "size");
            mode = ResizeMode.Squash;
        }
        else
        {
            throw Bad(path, "size", $"expected shortest_edge, an integer or height/width, got {sizeEl.GetRawText()}");
        }

        int size = resizeTo;
        if (Flag("do_center_crop", true))
        {
            if (root.TryGetProperty("crop_size", out JsonElement ce) && ce.ValueKind != JsonValueKind.Null)
            {
                size = ReadSquareSize(ce, path, "crop_size");
            }

            if (mode == ResizeMode.Squash && size != resizeTo)
            {
                throw Bad(path, "crop_size", $"crop {size} after a {resizeTo}x{resizeTo} squash is not supported");
            }

            if (mode == ResizeMode.Shortest && size != resizeTo)
            {
                throw Bad(path, "crop_size", $"crop {size} different from shortest_edge {resizeTo} is not supported");
            }
        }
        else if (mode == ResizeMode.Shortest)
        {
            throw Bad(path, "do_center_crop", "false with shortest_edge resizing gives non-square images, which CLIP cannot take");
        }

        ResizeFilter filter = ResizeFilter.Bicubic;
        if (root.TryGetProperty("resample", out JsonElement rs) && rs.ValueKind != JsonValueKind.Null)
        {
            filter = (TryInt(rs, out int r) ? r : -1) switch
            {
                0 => ResizeFilter.Nearest,
                2 => ResizeFilter.Bilinear,
                3 => ResizeFilter.Bicubic,
                _ => throw Bad(path, "resample", $"unsupported value {rs.GetRawText()} (expected 0 nearest, 2 bilinear or 3 bicubic)"),
            };
        }

        if (!Flag("do_rescale", true))
        {
            throw Bad(path, "do_rescale", "false is not supported");
        }

        if (root.TryGetProperty("rescale_factor", out JsonElement rf) && rf.ValueKind != JsonValueKind.Null)
        {
            if (rf.ValueKind != JsonValueKind.Number || Math.Abs(rf.GetDouble() - (1.0 / 255.0)) > 1e-12)
            {
                throw Bad(path, "rescale_factor", $"only 1/255 is supported, got {rf.GetRawText()}");
            }
        }

        float[] mean = ReadFloats(root, "image_mean", path, s_openAiMean);
        float[] std = ReadFloats(root, "image_std", path, s_openAiStd);
        if (!Flag("do_normalize", true))
        {
            mean = [0f, 0f, 0f];
            std = [1f, 1f, 1f];
        }

        return Build(path, "size/crop_size/image_mean/image_std", size, mode, filter, mean, std, 0);
    }

    /// <inheritdoc/>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Size}px {ResizeMode} {Filter} mean [{string.Join(", ", Mean)}] std [{string.Join(", ", Std)}]");
}
