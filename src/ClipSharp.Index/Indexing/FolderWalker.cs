using System.Text;
using System.Text.RegularExpressions;

namespace ClipSharp.Index;

/// <summary>A regular file found by the walk, with the size and last write time of what its path points to.</summary>
internal readonly record struct WalkedFile(string Path, long Size, DateTime ModifiedUtc);

/// <summary>
/// Walks folders in a stable (ordinal) order: skips hidden files and folders (dot names or the hidden attribute),
/// applies include/exclude globs to the path relative to the walked root (a pattern without "/" matches the file or
/// folder name at any depth; "**" spans folders).
/// <para>
/// Links: a file is what its path points to (stat, not lstat), so a symbolic link is indexed with its target's size
/// and time. A link whose target the walk reaches under its own path (inside a walked root, not hidden) is an alias
/// of it and is not reported; so is a second path to one device and inode (hard links, two links to one file
/// outside the roots). Folder links are followed; one that leads to a folder already walked in this run (a loop
/// back to an ancestor, or a second link to one folder) is not walked again and is reported as an alias.
/// Only regular files are reported: FIFOs, sockets, devices and broken links are counted in <see cref="Special"/>.
/// </para>
/// </summary>
internal sealed class FolderWalker
{
    private readonly Regex[] _include;
    private readonly Regex[] _exclude;
    private readonly string? _skipFolder;
    private readonly List<IndexAlias> _aliases = [];
    private readonly List<string> _special = [];

    // Identity (device, inode) → the path reported for it. Only files that can have a second path are remembered:
    // those reached through a link, or with more than one hard link; the ordinary file costs nothing here.
    private readonly Dictionary<(ulong Device, ulong Inode), string> _files = [];
    private readonly Dictionary<(ulong Device, ulong Inode), string> _folders = [];
    private List<(string Real, string Given)> _realRoots = [];

    public FolderWalker(IEnumerable<string>? include, IEnumerable<string>? exclude, string? skipFolder = null)
    {
        _include = (include ?? []).Select(Glob).ToArray();
        _exclude = (exclude ?? []).Select(Glob).ToArray();
        _skipFolder = skipFolder is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(skipFolder));
    }

    /// <summary>Second paths to files or folders reported under another path, so far.</summary>
    public IReadOnlyList<IndexAlias> Aliases => _aliases;

    /// <summary>Paths that are not regular files (FIFOs, sockets, devices, broken links), never opened, so far.</summary>
    public IReadOnlyList<string> Special => _special;

    /// <summary>Walks every root; a path reached from two roots is reported once.</summary>
    public IEnumerable<WalkedFile> Walk(IReadOnlyList<string> roots, CancellationToken cancellationToken)
    {
        var full = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal).ToList();
        _realRoots = full.Select(r => (Real: Path.TrimEndingDirectorySeparator(FileStatus.RealPath(r) ?? r), Given: r)).ToList();
        foreach (string root in full)
        {
            foreach (var file in Walk(root, cancellationToken))
            {
                yield return file;
            }
        }
    }

    public IEnumerable<WalkedFile> Walk(string root, CancellationToken cancellationToken)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (_realRoots.Count == 0)
        {
            _realRoots = [(Path.TrimEndingDirectorySeparator(FileStatus.RealPath(root) ?? root), root)];
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            ReturnSpecialDirectories = false,
        };
        var rootStatus = FileStatus.Of(root);
        if (FileStatus.HasInodes && !_folders.TryAdd((rootStatus.Device, rootStatus.Inode), root))
        {
            yield break;
        }

        // (folder, reached through a folder link): below a link, every file's real path differs from the walked one.
        var pending = new Stack<(string Dir, bool ViaLink)>();
        pending.Push((root, false));
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (dir, viaLink) = pending.Pop();
            List<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir).EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var subdirs = new List<(string, bool)>();
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.'))
                {
                    continue;
                }

                string relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                bool isLink = entry.LinkTarget is not null;
                if (entry is DirectoryInfo d)
                {
                    if (string.Equals(d.FullName, _skipFolder, StringComparison.Ordinal) || Matches(_exclude, relative, d.Name))
                    {
                        continue;
                    }

                    if ((isLink || viaLink) && FolderAlias(d.FullName) is { } target)
                    {
                        _aliases.Add(new IndexAlias(d.FullName, target));
                        continue;
                    }

                    subdirs.Add((d.FullName, viaLink || isLink));
                }
                else if (entry is FileInfo f)
                {
                    if (Matches(_exclude, relative, f.Name) || (_include.Length > 0 && !Matches(_include, relative, f.Name)))
                    {
                        continue;
                    }

                    var status = FileStatus.Of(f.FullName);
                    if (status.Kind is FileKind.Missing or FileKind.Special)
                    {
                        // A broken link or a FIFO, socket or device; a file that vanished since the listing is simply gone.
                        if (status.Kind == FileKind.Special || isLink)
                        {
                            _special.Add(f.FullName);
                        }

                        continue;
                    }

                    if (status.Kind == FileKind.Directory)
                    {
                        continue;
                    }

                    if ((isLink || viaLink) && ReachedElsewhere(f.FullName) is { } real)
                    {
                        _aliases.Add(new IndexAlias(f.FullName, real));
                        continue;
                    }

                    if (FileStatus.HasInodes && (isLink || viaLink || status.Links > 1))
                    {
                        var id = (status.Device, status.Inode);
                        if (_files.TryGetValue(id, out string? first))
                        {
                            _aliases.Add(new IndexAlias(f.FullName, first));
                            continue;
                        }

                        _files[id] = f.FullName;
                    }

                    yield return new WalkedFile(f.FullName, status.Size, status.ModifiedUtc);
                }
            }

            for (int i = subdirs.Count - 1; i >= 0; i--)
            {
                pending.Push(subdirs[i]);
            }
        }
    }

    /// <summary>
    /// For a folder reached through a link: the path it is (or will be) walked under — its real path when that is
    /// inside a walked root and not hidden, or the first path this run walked it under (a loop, or a second link) —
    /// else null (follow it). Remembers the folder when it is to be followed.
    /// </summary>
    private string? FolderAlias(string path)
    {
        if (ReachedElsewhere(path) is { } real)
        {
            return real;
        }

        var status = FileStatus.Of(path);
        if (status.Kind != FileKind.Directory)
        {
            return path;
        }

        if (!FileStatus.HasInodes)
        {
            // Without inodes a loop shows as a real path that is an ancestor of the link: stop there.
            string? resolved = FileStatus.RealPath(path);
            return resolved is not null && path.StartsWith(resolved + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? resolved : null;
        }

        return _folders.TryAdd((status.Device, status.Inode), path) ? null : _folders[(status.Device, status.Inode)];
    }

    /// <summary>
    /// The path under which the walk reports the real file behind <paramref name="path"/> when that differs (its
    /// real path is inside a walked root and no folder on the way is hidden, the index folder or excluded), else null.
    /// </summary>
    private string? ReachedElsewhere(string path)
    {
        string? real = FileStatus.RealPath(path);
        if (real is null || string.Equals(real, path, StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var (realRoot, given) in _realRoots)
        {
            if (!real.StartsWith(realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            string relative = real[(realRoot.Length + 1)..].Replace('\\', '/');
            string walked = Path.Combine(given, relative);
            string[] parts = relative.Split('/');
            bool hidden = parts.Any(p => p.StartsWith('.'));
            bool skipped = _skipFolder is not null && walked.StartsWith(_skipFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (!hidden && !skipped && !Matches(_exclude, relative, parts[^1]))
            {
                return walked;
            }
        }

        return null;
    }

    private static bool Matches(Regex[] patterns, string relative, string name)
    {
        foreach (var p in patterns)
        {
            if (p.IsMatch(relative) || p.IsMatch(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Translates a glob (*, ?, **, [abc]) to an anchored regular expression.</summary>
    internal static Regex Glob(string glob)
    {
        var sb = new StringBuilder("^");
        string g = glob.Replace('\\', '/').TrimStart('/');
        if (g.StartsWith("./", StringComparison.Ordinal))
        {
            g = g[2..];
        }

        for (int i = 0; i < g.Length; i++)
        {
            char c = g[i];
            if (c == '*' && i + 1 < g.Length && g[i + 1] == '*')
            {
                bool slash = i + 2 < g.Length && g[i + 2] == '/';
                sb.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else if (c == '[')
            {
                int close = g.IndexOf(']', i + 1);
                if (close > i + 1)
                {
                    sb.Append('[').Append(g[(i + 1)..close].Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                }
                else
                {
                    sb.Append("\\[");
                }
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        sb.Append("(?:/.*)?$");
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant);
    }
}
