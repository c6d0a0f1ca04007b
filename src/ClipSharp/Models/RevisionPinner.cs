namespace ClipSharp.Models;

/// <summary>Pins a pull to one commit: the metadata of all of a model's files, asked for at the same commit.</summary>
internal static class RevisionPinner
{
    /// <summary>
    /// The files' metadata, all at one commit: the first file's <c>X-Repo-Commit</c> (else the hub's revision API) pins
    /// the commit, and the others are asked for at that commit; a hub that answers from another commit is refused.
    /// </summary>
    public static async Task<IReadOnlyList<RemoteFile>> PinAsync(HubClient client, RetryPolicy retry, string repository, string revision, IReadOnlyList<string> files, Action<string>? notice, CancellationToken cancellationToken)
    {
        Task<RemoteFile> Head(string at, string path) => retry.RunAsync(t => client.GetMetadataAsync(repository, at, path, t), notice, cancellationToken);

        var first = await Head(revision, files[0]).ConfigureAwait(false);
        string? commit = first.Commit;
        if (commit is null)
        {
            commit = await retry.RunAsync(t => client.GetCommitAsync(repository, revision, t), notice, cancellationToken).ConfigureAwait(false);
            if (commit is not null && commit != revision)
            {
                first = await Head(commit, files[0]).ConfigureAwait(false); // the revision may have moved between the two requests
            }
            else if (commit is null)
            {
                notice?.Invoke($"{client.Endpoint} does not say which commit it serves (no X-Repo-Commit, no revision API): the files of {repository} are fetched from '{revision}' one by one");
            }
        }

        var remote = new List<RemoteFile>(files.Count) { first with { Commit = commit } };
        foreach (string path in files.Skip(1))
        {
            var file = await Head(commit ?? revision, path).ConfigureAwait(false);
            if (commit is not null && file.Commit is not null && file.Commit != commit)
            {
                throw new ClipSharpException(ClipErrorKind.Download,
                    $"the hub answered for {path} from commit {file.Commit} although the pull is pinned to commit {commit}; refusing to mix commits", repository);
            }

            remote.Add(file with { Commit = commit });
        }

        return remote;
    }
}
