namespace ClipSharp.Imaging;

/// <summary>How an image is brought to the model's square input (open_clip's <c>resize_mode</c>).</summary>
public enum ResizeMode
{
    /// <summary>
    /// OpenAI CLIP: resize the shorter side to S (the longer to <c>int(S·long/short)</c>), then centre-crop S×S
    /// (torchvision's <c>CenterCrop</c>: offset <c>round((len−S)/2)</c> with banker's rounding).
    /// </summary>
    Shortest,

    /// <summary>
    /// open_clip letterbox: resize the longer side to S keeping the aspect ratio (<c>round(len/ratio)</c>),
    /// then pad centred to S×S with <see cref="PreprocessConfig.FillColor"/>.
    /// </summary>
    Longest,

    /// <summary>Resize straight to S×S, ignoring the aspect ratio.</summary>
    Squash,
}

/// <summary>The resampling filter (Pillow's, antialiased when downscaling).</summary>
public enum ResizeFilter
{
    /// <summary>Pillow <c>BICUBIC</c> (a = −0.5, support 2).</summary>
    Bicubic,

    /// <summary>Pillow <c>BILINEAR</c> (triangle, support 1).</summary>
    Bilinear,

    /// <summary>Pillow <c>NEAREST</c>.</summary>
    Nearest,
}
