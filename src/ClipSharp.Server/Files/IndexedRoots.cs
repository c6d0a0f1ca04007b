using ClipSharp.Index;

namespace ClipSharp.Server.Files;

/// <summary>
/// The real paths (links resolved) of the top-most folders that hold indexed files: a file is served only when its
/// real path lies under one of them. Worked out from the index on first use and again, when a path is not under
/// any, if the index has changed since (so newly indexed folders are found, and a miss costs one generation read).
/// </summary>
internal sealed class IndexedRoots : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>Whether <paramref name="realPath"/> lies under a folder of the index.</summary>
    public async Task<bool> ContainsAsync(IPhotoIndex search, string realPath, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Contains(realPath))
        {
            return true;
        }

        long generation = await search.Store.GetGenerationAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot is not null && snapshot.Generation == generation)
        {
            return false;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            snapshot = _snapshot;
            if (snapshot is null || snapshot.Generation != generation)
            {
                // The generation is read before the folders: a change meanwhile only causes one more refresh.
                var folders = await IndexFolders.ReadAsync(search.Store, cancellationToken).ConfigureAwait(false);
                snapshot = _snapshot = new Snapshot(generation, await Task.Run(() => TopMost(folders), cancellationToken).ConfigureAwait(false));
            }

            return snapshot.Contains(realPath);
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>The real paths of <paramref name="folders"/> that exist, without those inside another, each ending in a separator.</summary>
    internal static string[] TopMost(IEnumerable<string> folders)
        => TopMostOf(folders.Select(NativeFiles.RealDirectory).OfType<string>());

    /// <summary><paramref name="folders"/> without those inside another, each ending in a separator, in path order.</summary>
    internal static string[] TopMostOf(IEnumerable<string> folders)
    {
        var comparison = NativeFiles.PathComparison;
        var sorted = folders
            .Select(f => Path.EndsInDirectorySeparator(f) ? f : f + Path.DirectorySeparatorChar)
            .Order(comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase)
            .ToList();
        var roots = new List<string>();
        foreach (string folder in sorted)
        {
            if (roots.Count == 0 || !folder.StartsWith(roots[^1], comparison))
            {
                roots.Add(folder);
            }
        }

        return [.. roots];
    }

    private sealed record Snapshot(long Generation, string[] Roots)
    {
        public bool Contains(string realPath)
        {
            foreach (string root in Roots)
            {
                if (realPath.StartsWith(root, NativeFiles.PathComparison))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
