namespace ClipSharp.Models;

/// <summary>
/// One file of a model as the hub (or a Hugging Face cache) describes it.
/// </summary>
/// <param name="Path">Relative path in the repository (forward slashes).</param>
/// <param name="Size">Size in bytes, or null when the hub did not say (learnt from the download).</param>
/// <param name="Hash">The expected checksum, lower-case hex: SHA-256 (64 digits, LFS files) or the git blob SHA-1 (40 digits).</param>
/// <param name="Commit">The commit the hub served it from (<c>X-Repo-Commit</c>), when it said.</param>
internal sealed record RemoteFile(string Path, long? Size, string Hash, string? Commit);
