namespace ClipSharp.Models;

/// <summary>
/// Where a file's content may already be on disk, in the order tried: a file an interrupted pull staged and verified,
/// the same content in another cached model (variants share their configuration and tokenizer files), the user's
/// Hugging Face cache. Every candidate is verified against the expected checksum where it is placed, before it is
/// used; a candidate that does not match is left alone and the next one tried. With <c>force</c> nothing is reused.
/// </summary>
internal sealed class FileSources(ModelStore store, HuggingFaceCache? huggingFaceCache, string repository, bool force)
{
    public const string Staged = "staged";
    public const string CachedModel = "cached model";
    public const string HuggingFace = "Hugging Face cache";

    /// <summary>True when a copy may exist (for the free-space estimate; nothing is verified here).</summary>
    public bool MayHave(RemoteFile file, string staging)
        => !force && (File.Exists(Path.Combine(staging, file.Hash)) || Candidates(file).Any(c => File.Exists(c.Path)));

    /// <summary>
    /// Places a verified copy of <paramref name="file"/> at <paramref name="blob"/> (a hard link where possible) and says
    /// where it came from; null when no copy on disk matches.
    /// </summary>
    public async Task<string?> TryPlaceAsync(RemoteFile file, string blob, Action<string>? notice, CancellationToken cancellationToken)
    {
        if (force)
        {
            File.Delete(blob);
            return null;
        }

        if (File.Exists(blob))
        {
            // Verified when it was staged, but that may be days ago: files get damaged in place.
            if (await FileVerifier.MatchesAsync(blob, file.Hash, cancellationToken).ConfigureAwait(false))
            {
                return Staged;
            }

            File.Delete(blob);
            notice?.Invoke($"the staged copy of {file.Path} no longer matches its checksum; fetching it again");
        }

        foreach (var (path, kind) in Candidates(file))
        {
            if (!File.Exists(path))
            {
                continue;
            }

            string taking = blob + ".taking";
            File.Delete(taking);
            try
            {
                await FileLinker.LinkOrCopyAsync(path, taking, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                File.Delete(taking);
                continue; // unreadable or gone: try the next copy
            }

            if (await FileVerifier.MatchesAsync(taking, file.Hash, cancellationToken).ConfigureAwait(false))
            {
                File.Move(taking, blob, overwrite: true);
                return kind;
            }

            File.Delete(taking);
            notice?.Invoke($"{path} does not match the checksum of {file.Path}; not reused");
        }

        return null;
    }

    private IEnumerable<(string Path, string Kind)> Candidates(RemoteFile file)
    {
        foreach (string path in store.CopiesOf(file.Hash))
        {
            yield return (path, CachedModel);
        }

        if (huggingFaceCache is not null)
        {
            foreach (string path in huggingFaceCache.Candidates(repository, file.Commit, file.Path, file.Hash))
            {
                yield return (path, HuggingFace);
            }
        }
    }
}
