namespace ClipSharp;

/// <summary>The two public ONNX export families of CLIP models.</summary>
public enum ModelLayout
{
    /// <summary>
    /// open_clip / Immich: <c>config.json</c>, <c>visual/model.onnx</c> + <c>visual/preprocess_cfg.json</c>,
    /// <c>textual/model.onnx</c> + tokenizer files; int32 text, normalised <c>embedding</c> outputs.
    /// </summary>
    OpenClip,

    /// <summary>
    /// Hugging Face / transformers.js: <c>onnx/vision_model*.onnx</c>, <c>onnx/text_model*.onnx</c>,
    /// <c>preprocessor_config.json</c> and tokenizer files at the root; int64 text, unnormalised outputs.
    /// </summary>
    HuggingFace,
}
