namespace ClipSharp.Models;

/// <summary>
/// The user's Hugging Face hub cache, read-only, in <c>huggingface_hub</c>'s layout:
/// <c>models--{owner}--{name}/blobs/{etag}</c> holds each file once, named by its checksum (the SHA-256 of LFS
/// files, the git blob SHA-1 of others); <c>snapshots/{commit}/{path}</c> links to the blob (or, where links are not
/// possible, is a copy); <c>refs/{revision}</c> holds the commit a branch or tag pointed to. Nothing found here is
/// used unverified: callers hash what they take.
/// </summary>
internal sealed class HuggingFaceCache(string root)
{
    public string Root { get; } = root;

    /// <summary>The cache folder of a model repository.</summary>
    public string RepositoryFolder(string repository) => Path.Combine(Root, "models--" + repository.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>Files that may hold the content with <paramref name="hash"/>: the blob named by it, then the snapshot entry at the commit.</summary>
    public IEnumerable<string> Candidates(string repository, string? commit, string path, string hash)
    {
        string folder = RepositoryFolder(repository);
        yield return Path.Combine(folder, "blobs", hash);
        if (HubClient.AsCommit(commit) is { } c)
        {
            yield return Path.Combine([folder, "snapshots", c, .. path.Split('/')]);
        }
    }

    /// <summary>
    /// The files of a snapshot as the hub would describe them, for use without the network: the commit from
    /// <c>refs/{revision}</c> (or the revision itself when it is a commit hash), each file's checksum from the name of
    /// the blob its snapshot entry links to. Null when the snapshot lacks a file or an entry is not a link to a blob
    /// (then nothing says what the file should contain).
    /// </summary>
    public IReadOnlyList<RemoteFile>? Snapshot(string repository, string revision, IReadOnlyList<string> files)
    {
        string folder = RepositoryFolder(repository);
        string? commit = HubClient.AsCommit(revision);
        if (commit is null)
        {
            string reference = Path.Combine([folder, "refs", .. revision.Split('/')]);
            try
            {
                commit = File.Exists(reference) ? HubClient.AsCommit(File.ReadAllText(reference)) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                commit = null;
            }
        }

        if (commit is null)
        {
            return null;
        }

        var result = new List<RemoteFile>(files.Count);
        foreach (string file in files)
        {
            string entry = Path.Combine([folder, "snapshots", commit, .. file.Split('/')]);
            try
            {
                // FileInfo describes a link itself (its length is the target name's): follow it to the blob.
                if (new FileInfo(entry).ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } blob)
                {
                    return null;
                }

                string hash = blob.Name.ToLowerInvariant();
                if (!FileVerifier.IsKnownHash(hash))
                {
                    return null;
                }

                result.Add(new RemoteFile(file, blob.Length, hash, commit));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        return result;
    }
}
