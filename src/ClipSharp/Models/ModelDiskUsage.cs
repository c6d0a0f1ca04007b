namespace ClipSharp.Models;

/// <summary>Disk space a cached model takes.</summary>
/// <param name="ModelBytes">The model's own files (what a pull downloads).</param>
/// <param name="OptimizedBytes">Its optimised-model cache entries, beside the ONNX files or in the shared cache folder.</param>
internal readonly record struct ModelDiskUsage(long ModelBytes, long OptimizedBytes);
