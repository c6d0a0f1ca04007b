namespace ClipSharp.Tests;

/// <summary>Folder helpers shared by the test projects.</summary>
internal static class TestFolders
{
    /// <summary>
    /// Copies a folder tree (test data to change or damage in a test: a model folder, photos). The copies keep the
    /// source's modification times and are writable by the owner even when the source is read-only.
    /// </summary>
    public static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string f in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(target, Path.GetRelativePath(source, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
            File.SetLastWriteTimeUtc(to, File.GetLastWriteTimeUtc(f));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }
}
