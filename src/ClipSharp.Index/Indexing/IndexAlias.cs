namespace ClipSharp.Index;

/// <summary>
/// A second path to a file the walk already reports under another path (a symbolic link to it, a hard link, or a
/// folder link to a folder walked elsewhere): it is indexed once, under <paramref name="Target"/>.
/// </summary>
/// <param name="Path">The alias path, as found by the walk.</param>
/// <param name="Target">The path the file (or folder) is indexed under.</param>
public sealed record IndexAlias(string Path, string Target);
