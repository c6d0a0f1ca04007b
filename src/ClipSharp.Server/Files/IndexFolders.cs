using ClipSharp.Index;

namespace ClipSharp.Server.Files;

/// <summary>
/// The folders of the index as recorded, and their top-most ones (the indexed roots): for the folder filter and for
/// showing paths relative to their root. Worked out again only when the index's generation has changed.
/// </summary>
internal sealed class IndexFolders : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>The folders and roots of the index now.</summary>
    public async Task<Snapshot> GetAsync(IPhotoIndex search, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        long generation = await search.Store.GetGenerationAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Generation == generation)
        {
            return snapshot;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            snapshot = _snapshot;
            if (snapshot is null || snapshot.Generation != generation)
            {
                var folders = await ReadAsync(search.Store, cancellationToken).ConfigureAwait(false);
                var comparer = NativeFiles.PathComparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;
                snapshot = _snapshot = new Snapshot(generation, IndexedRoots.TopMostOf(folders), [.. folders.Order(comparer)]);
            }

            return snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>The folders that hold indexed files, each once, as recorded (the server serves nothing outside them).</summary>
    internal static async Task<IReadOnlyCollection<string>> ReadAsync(IIndexStore store, CancellationToken cancellationToken)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var file in store.ListFilesAsync(withEmbeddings: false, cancellationToken).ConfigureAwait(false))
        {
            if (Path.GetDirectoryName(file.Path) is { Length: > 0 } folder)
            {
                folders.Add(folder);
            }
        }

        return folders;
    }

    /// <summary>The index's folders at one generation.</summary>
    /// <param name="Generation">The index generation they were read at.</param>
    /// <param name="Roots">The top-most folders, each ending in a separator.</param>
    /// <param name="Folders">Every folder holding indexed files, in path order.</param>
    internal sealed record Snapshot(long Generation, string[] Roots, string[] Folders)
    {
        /// <summary>
        /// <paramref name="path"/> relative to the parent of its root, so it starts with the root folder's own name
        /// (<c>/home/ann/Pictures/2024/a.jpg</c> → <c>Pictures/2024/a.jpg</c>); the file name when no root holds it.
        /// </summary>
        public string Relative(string path)
        {
            foreach (string root in Roots)
            {
                if (path.StartsWith(root, NativeFiles.PathComparison))
                {
                    string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
                    string rest = path[root.Length..];
                    return name.Length == 0 ? rest : name + Path.DirectorySeparatorChar + rest;
                }
            }

            return Path.GetFileName(path);
        }

        /// <summary>A folder relative to the parent of its root (see <see cref="Relative"/>).</summary>
        public string RelativeFolder(string folder) => Path.TrimEndingDirectorySeparator(Relative(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar));
    }
}
