namespace ClipSharp;

/// <summary>The outcome of embedding one image file.</summary>
/// <param name="Path">The file, as given.</param>
/// <param name="Embedding">The normalised embedding, or null when the file failed.</param>
/// <param name="Error">Why the file failed (its message names the file), or null.</param>
public sealed record ImageEmbeddingResult(string Path, float[]? Embedding, ClipSharpException? Error)
{
    /// <summary>True when the file was embedded.</summary>
    public bool Succeeded => Error is null;
}
