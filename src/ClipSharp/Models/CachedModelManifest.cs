namespace ClipSharp.Models;

/// <summary>What the cache records about a pulled model.</summary>
/// <param name="Repository">The hub repository.</param>
/// <param name="Revision">The revision asked for (a branch, tag or commit).</param>
/// <param name="Commit">The commit every file was fetched at, when the hub said.</param>
/// <param name="Bytes">Total size of the model's files.</param>
/// <param name="Pulled">When the pull completed.</param>
internal sealed record CachedModelManifest(string Repository, string Revision, string? Commit, long Bytes, DateTimeOffset Pulled)
{
    /// <summary>The files with their sizes and checksums.</summary>
    internal IReadOnlyList<RemoteFile> Files { get; init; } = [];
}
