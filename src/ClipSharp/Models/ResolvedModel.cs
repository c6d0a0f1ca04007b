namespace ClipSharp.Models;

/// <summary>A model reference resolved to a local folder.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Entry">The catalog entry, or null when the reference was a folder.</param>
/// <param name="Variant">The variant, or null.</param>
public sealed record ResolvedModel(string Folder, CatalogEntry? Entry, string? Variant);
