namespace ClipSharp.Models;

/// <summary>What a pull did.</summary>
/// <param name="Folder">The model folder in the cache.</param>
/// <param name="Commit">The commit the files are from, when the hub said.</param>
/// <param name="Bytes">Size of the model's files (as <see cref="ModelHub.GetDiskUsage"/> reports it).</param>
/// <param name="DownloadedBytes">Bytes that came over the network in this pull.</param>
/// <param name="ReusedBytes">Bytes taken, verified, from another cached model or the Hugging Face cache instead of downloaded.</param>
/// <param name="AlreadyCached">True when the model was already in the cache and nothing was done.</param>
public sealed record ModelPullResult(string Folder, string? Commit, long Bytes, long DownloadedBytes, long ReusedBytes, bool AlreadyCached);
