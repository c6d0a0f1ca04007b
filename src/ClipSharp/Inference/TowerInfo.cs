namespace ClipSharp;

/// <summary>What one tower's ONNX graph takes and returns, as read from its metadata.</summary>
/// <param name="ModelPath">The ONNX file.</param>
/// <param name="InputName">The pixel or token input.</param>
/// <param name="InputType">Its element type (e.g. Float, Int32, Int64).</param>
/// <param name="InputShape">Its dimensions; symbolic ones by name.</param>
/// <param name="OutputName">The embedding output.</param>
/// <param name="OutputType">Its element type.</param>
/// <param name="OutputShape">Its dimensions.</param>
/// <param name="HasAttentionMask">True when the text graph also takes an attention mask.</param>
internal sealed record TowerInfo(string ModelPath, string InputName, string InputType, IReadOnlyList<string> InputShape, string OutputName, string OutputType, IReadOnlyList<string> OutputShape, bool HasAttentionMask);
