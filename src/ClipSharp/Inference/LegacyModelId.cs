using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp;

/// <summary>
/// Recognises the model ids that ClipSharp wrote into indexes before content ids (up to commit 402108c):
/// <c>{folder name}@{16 hex}</c>, the hex being the start of SHA-256 over every file under the model folder in
/// ordinal path order (relative path and size; the whole content of JSON files under 4 MiB; the first and last MiB of
/// <c>.onnx</c> and <c>.onnx_data</c> files). That walk also took in the optimised-model cache
/// (<c>.clipsharp-cache/</c>) whenever the folder was writable, in whatever state it was in at that moment.
/// <para>
/// The rule: a stored old-style id is this model's when its hash equals the old algorithm run over the model folder as
/// it is now, with any combination of the cache entries now present left out (up to <see cref="MaxCacheEntries"/>
/// entries; beyond that only all or none). This accepts exactly what the old release would have accepted for these
/// files, whatever the cache held then, and ignores the folder name (a renamed folder has the same content). It cannot
/// recognise an index whose cache entries from that time are gone while the cache existed when it was built; such an
/// index is then tied to the model by its vectors instead (the photo index's ModelIdUpgrade, its second rule).
/// </para>
/// </summary>
internal static class LegacyModelId
{
    /// <summary>Entries of the cache folders tried in every combination (2^6 = 64 hashes of a few MiB each at most).</summary>
    internal const int MaxCacheEntries = 6;

    /// <summary>The optimised-model cache folder that loading a model writes beside its ONNX files when it can.</summary>
    internal const string CacheFolderName = ".clipsharp-cache";
    private const int Sample = 1 << 20;

    /// <summary>True when <paramref name="id"/> has the old form, <c>{name}@{16 lower-case hex}</c>.</summary>
    public static bool IsLegacy(string id) => HashPart(id) is not null;

    /// <summary>True when <paramref name="storedId"/> is the old-style id of the model in <paramref name="folder"/> (see the rule above).</summary>
    public static bool Matches(string storedId, string folder)
    {
        string? hash = HashPart(storedId);
        if (hash is null || !Directory.Exists(folder))
        {
            return false;
        }

        try
        {
            return Recompute(folder, hash);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file that cannot be read now cannot vouch for the old id: no match (the caller reports the mismatch).
            return false;
        }
    }

    private static bool Recompute(string folder, string hash)
    {

        // What each file added to the old hash, in the old order, and the cache entry it belongs to (-1: none).
        var parts = new List<(byte[] Bytes, int Entry)>();
        var entries = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(folder, file);
            int entry = -1;
            if (CacheEntry(relative) is { } key)
            {
                if (!entries.TryGetValue(key, out entry))
                {
                    entry = entries.Count;
                    entries.Add(key, entry);
                }
            }

            parts.Add((Contribution(file, relative), entry));
        }

        int n = entries.Count;
        IEnumerable<long> masks = n <= MaxCacheEntries ? Enumerable.Range(0, 1 << n).Select(m => (long)m) : [0L, -1L];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (long mask in masks)
        {
            foreach (var (bytes, entry) in parts)
            {
                if (entry < 0 || (mask & (1L << entry)) != 0)
                {
                    sha.AppendData(bytes);
                }
            }

            if (string.Equals(Convert.ToHexStringLower(sha.GetHashAndReset())[..16], hash, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The hash part of an old-style id, or null when <paramref name="id"/> is not one.</summary>
    private static string? HashPart(string id)
    {
        int at = id.LastIndexOf('@');
        if (at <= 0 || id.Length - at - 1 != 16)
        {
            return null;
        }

        string hash = id[(at + 1)..];
        return hash.All(char.IsAsciiHexDigitLower) ? hash : null;
    }

    /// <summary>The cache entry a relative path is inside (the path up to the child of a .clipsharp-cache folder), or null.</summary>
    private static string? CacheEntry(string relative)
    {
        string[] segments = relative.Split(Path.DirectorySeparatorChar);
        int cache = Array.IndexOf(segments, CacheFolderName);
        return cache < 0 ? null : string.Join(Path.DirectorySeparatorChar, segments[..Math.Min(cache + 2, segments.Length)]);
    }

    /// <summary>The bytes the old algorithm hashed for one file.</summary>
    private static byte[] Contribution(string file, string relative)
    {
        var info = new FileInfo(file);
        using var buffer = new MemoryStream();
        buffer.Write(Encoding.UTF8.GetBytes(relative + ":" + info.Length.ToString(CultureInfo.InvariantCulture) + ";"));
        using var stream = File.OpenRead(file);
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && info.Length < (4 << 20))
        {
            stream.CopyTo(buffer);
        }
        else if (file.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".onnx_data", StringComparison.OrdinalIgnoreCase))
        {
            byte[] head = new byte[(int)Math.Min(info.Length, Sample)];
            stream.ReadExactly(head);
            buffer.Write(head);
            if (info.Length > head.Length)
            {
                stream.Seek(-Math.Min(info.Length - head.Length, Sample), SeekOrigin.End);
                byte[] tail = new byte[(int)(info.Length - stream.Position)];
                stream.ReadExactly(tail);
                buffer.Write(tail);
            }
        }

        return buffer.ToArray();
    }
}
