using System.Text;
using System.Text.RegularExpressions;

namespace ClipSharp.Index;

/// <summary>A file found by the walk.</summary>
internal readonly record struct WalkedFile(string Path, long Size, DateTime ModifiedUtc);

/// <summary>
/// Walks folders in a stable (ordinal) order: skips hidden files and folders (dot names or the hidden attribute),
/// does not follow directory links, applies include/exclude globs to the path relative to the walked root
/// (a pattern without "/" matches the file or folder name at any depth; "**" spans folders).
/// </summary>
internal sealed class FolderWalker
{
    private readonly Regex[] _include;
    private readonly Regex[] _exclude;
    private readonly string? _skipFolder;

    public FolderWalker(IEnumerable<string>? include, IEnumerable<string>? exclude, string? skipFolder = null)
    {
        _include = (include ?? []).Select(Glob).ToArray();
        _exclude = (exclude ?? []).Select(Glob).ToArray();
        _skipFolder = skipFolder is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(skipFolder));
    }

    public IEnumerable<WalkedFile> Walk(string root, CancellationToken cancellationToken)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            ReturnSpecialDirectories = false,
        };
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string dir = pending.Pop();
            List<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir).EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var subdirs = new List<string>();
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.'))
                {
                    continue;
                }

                string relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                if (entry is DirectoryInfo d)
                {
                    if (d.LinkTarget is not null || string.Equals(d.FullName, _skipFolder, StringComparison.Ordinal) || Matches(_exclude, relative, d.Name))
                    {
                        continue;
                    }

                    subdirs.Add(d.FullName);
                }
                else if (entry is FileInfo f)
                {
                    if (Matches(_exclude, relative, f.Name) || (_include.Length > 0 && !Matches(_include, relative, f.Name)))
                    {
                        continue;
                    }

                    WalkedFile file;
                    try
                    {
                        file = new WalkedFile(f.FullName, f.Length, f.LastWriteTimeUtc);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        continue;
                    }

                    yield return file;
                }
            }

            for (int i = subdirs.Count - 1; i >= 0; i--)
            {
                pending.Push(subdirs[i]);
            }
        }
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
