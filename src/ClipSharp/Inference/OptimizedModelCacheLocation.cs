namespace ClipSharp;

/// <summary>One folder that may hold <see cref="OptimizedModelCache"/> entries for a model, and the entry name the model has there.</summary>
/// <param name="Directory">The folder holding the entries.</param>
/// <param name="SourceId">How the entries there name their source: the file name beside the model, the full path in a shared folder.</param>
/// <param name="EntryName">The entry folder's name: the model file's name and the key.</param>
/// <param name="Beside">True for the <see cref="OptimizedModelCache.BesideFolderName"/> folder beside the model.</param>
internal sealed record OptimizedModelCacheLocation(string Directory, string SourceId, string EntryName, bool Beside);
