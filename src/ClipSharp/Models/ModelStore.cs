using System.Globalization;
using System.Text.Json;

namespace ClipSharp.Models;

/// <summary>
/// The model cache on disk, <c>{CacheDirectory}/models/</c>:
/// <list type="bullet">
/// <item><c>{name}[.{variant}]/</c>: a complete model, with <see cref="ManifestFileName"/> recording its repository,
/// commit and each file's size and checksum (its presence marks the folder complete; files shared with other cached
/// models are hard links, stored once);</item>
/// <item><c>.staging/{name}/</c>: a pull in progress, keyed by content: <c>{checksum}.incomplete</c> while downloading,
/// <c>{checksum}</c> once verified, and the new model folder assembled from them before it replaces the old one in
/// one rename;</item>
/// <item><c>.locks/{name}.lock</c> (and <c>.holder</c>): one pull or removal of a model at a time (<see cref="CacheLock"/>).</item>
/// </list>
/// </summary>
internal sealed class ModelStore(ModelHubOptions options)
{
    /// <summary>The file inside a cached model folder that records where it came from; its presence marks a complete model.</summary>
    public const string ManifestFileName = ".clipsharp-model.json";

    public string ModelsDirectory => Path.Combine(options.CacheDirectory, "models");

    private string LocksDirectory => Path.Combine(ModelsDirectory, ".locks");

    private string StagingRoot => Path.Combine(ModelsDirectory, ".staging");

    public string ModelDirectory(string key) => Path.Combine(ModelsDirectory, key);

    public string StagingDirectory(string key) => Path.Combine(StagingRoot, key);

    public bool IsCached(string key) => File.Exists(ManifestPath(key));

    /// <summary>True when the cache holds anything of the model: its folder, or a pull in progress.</summary>
    public bool HasAnything(string key)
        => Directory.Exists(ModelDirectory(key)) || Directory.Exists(StagingDirectory(key)) || Directory.Exists(LegacyPartial(key));

    /// <summary>Creates the cache folders; a cache that cannot be written is a one-line error naming it.</summary>
    public void EnsureWritable()
    {
        try
        {
            Directory.CreateDirectory(LocksDirectory);
            Directory.CreateDirectory(StagingRoot);
        }
        catch (Exception ex) when (CacheLock.IsNotWritable(ex))
        {
            throw CacheLock.NotWritable(ModelsDirectory, ex);
        }
    }

    /// <summary>Takes the model's lock (after making sure the cache can be written at all).</summary>
    public Task<CacheLock> LockAsync(string key, string label, string operation, Action<string>? notice, CancellationToken cancellationToken)
    {
        EnsureWritable();
        return CacheLock.AcquireAsync(Path.Combine(LocksDirectory, key + ".lock"), label, operation, ModelsDirectory, options, notice, cancellationToken);
    }

    public CachedModelManifest? ReadManifest(string key) => ReadManifestAt(ManifestPath(key));

    /// <summary>Writes the manifest of a model folder being assembled.</summary>
    public static void WriteManifest(string folder, CatalogEntry entry, string? variant, string revision, IReadOnlyList<RemoteFile> files)
    {
        using var stream = File.Create(Path.Combine(folder, ManifestFileName));
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("name", entry.Name);
        if (variant is not null)
        {
            writer.WriteString("variant", variant);
        }

        writer.WriteString("repository", entry.Repository);
        writer.WriteString("revision", revision);
        string? commit = files.Select(f => f.Commit).FirstOrDefault(c => c is not null);
        if (commit is not null)
        {
            writer.WriteString("commit", commit);
        }

        writer.WriteNumber("bytes", files.Sum(f => f.Size ?? 0));
        writer.WriteString("pulled", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteStartArray("files");
        foreach (var f in files)
        {
            writer.WriteStartObject();
            writer.WriteString("path", f.Path);
            writer.WriteNumber("size", f.Size ?? 0);
            writer.WriteString(FileVerifier.AlgorithmName(f.Hash), f.Hash);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Files of cached models whose manifest records <paramref name="hash"/>: the same content in another model (the
    /// tokenizer of another variant) or in the copy a new revision replaces.
    /// </summary>
    public IEnumerable<string> CopiesOf(string hash)
    {
        if (!Directory.Exists(ModelsDirectory))
        {
            yield break;
        }

        foreach (string folder in Directory.EnumerateDirectories(ModelsDirectory))
        {
            string name = Path.GetFileName(folder);
            if (name.StartsWith('.'))
            {
                continue;
            }

            CachedModelManifest? manifest;
            try
            {
                manifest = ReadManifestAt(Path.Combine(folder, ManifestFileName));
            }
            catch (ClipSharpException)
            {
                continue; // a damaged manifest offers nothing to share
            }

            foreach (var file in manifest?.Files ?? [])
            {
                if (file.Hash == hash)
                {
                    yield return Path.Combine([folder, .. file.Path.Split('/')]);
                }
            }
        }
    }

    /// <summary>
    /// Drops what an earlier pull staged that this one does not expect (files of another commit) and folders it was
    /// assembling; keeps partial and verified files of the expected checksums.
    /// </summary>
    public void PrepareStaging(string key, IEnumerable<string> expectedHashes)
    {
        string staging = StagingDirectory(key);
        Directory.CreateDirectory(staging);
        var expected = expectedHashes.ToHashSet(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(staging))
        {
            string name = Path.GetFileName(path);
            string hash = name.EndsWith(".incomplete", StringComparison.Ordinal) ? name[..^".incomplete".Length] : name;
            if (!expected.Contains(hash))
            {
                DeleteEntry(path);
            }
        }

        DeleteEntry(LegacyPartial(key));
        foreach (string replaced in Directory.EnumerateDirectories(StagingRoot, key + ".replaced-*"))
        {
            DeleteEntry(replaced); // an old copy a crashed pull had moved aside
        }
    }

    /// <summary>Puts an assembled folder in the model's place in one rename (an older copy is moved aside first, then deleted).</summary>
    public void Publish(string key, string assembled)
    {
        string target = ModelDirectory(key);
        if (!Directory.Exists(target))
        {
            Directory.Move(assembled, target);
            return;
        }

        string old = Path.Combine(StagingRoot, key + ".replaced-" + Guid.NewGuid().ToString("N"));
        Directory.Move(target, old);
        try
        {
            Directory.Move(assembled, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Directory.Move(old, target);
            throw;
        }

        DeleteEntry(old);
    }

    /// <summary>Removes the model folder and anything staged for it; false when there was nothing. The caller holds the lock.</summary>
    public bool Remove(string key)
    {
        bool removed = false;
        foreach (string dir in new[] { ModelDirectory(key), StagingDirectory(key), LegacyPartial(key) })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
                removed = true;
            }
        }

        return removed;
    }

    /// <summary>Deletes the staging folder of a finished pull (best effort: leftovers are dropped by the next pull).</summary>
    public void ClearStaging(string key) => DeleteEntry(StagingDirectory(key));

    /// <summary>The space a cached model takes: its files, and apart from them its optimised-model cache entries.</summary>
    public ModelDiskUsage Usage(string key)
    {
        var manifest = ReadManifest(key);
        if (manifest is null)
        {
            return default;
        }

        string folder = ModelDirectory(key);
        long model = manifest.Files.Count == 0
            ? manifest.Bytes
            : manifest.Files.Sum(f => new FileInfo(Path.Combine([folder, .. f.Path.Split('/')])) is { Exists: true } info ? info.Length : 0);
        return new ModelDiskUsage(model, OptimizedModelCache.BytesFor(folder, SharedOptimizedDirectories()));
    }

    /// <summary>The folders outside the model where optimised-cache entries of its files may be.</summary>
    public IEnumerable<string?> SharedOptimizedDirectories()
    {
        yield return new ClipModelOptions().OptimizedModelCacheDirectory;
        yield return Path.Combine(options.CacheDirectory, "optimized");
        yield return Path.Combine(new ModelHubOptions().CacheDirectory, "optimized");
    }

    /// <summary>
    /// Fails when the download does not fit on the disk; when it fits but the optimised copy the first load writes
    /// (<paramref name="optimizedBytes"/>) would not, says so through <paramref name="notice"/>.
    /// </summary>
    public void EnsureFreeSpace(long downloadBytes, long optimizedBytes, string label, Action<string>? notice)
    {
        if (FreeBytes(ModelsDirectory) is not long available)
        {
            return;
        }

        if (downloadBytes > available)
        {
            throw new ClipSharpException(ClipErrorKind.DiskFull,
                $"not enough disk space: the download needs {ByteCount.Format(downloadBytes)} but {ByteCount.Format(available)} is free; free some space or set CLIPSHARP_HOME to another disk", ModelsDirectory);
        }

        string? optimizedDir = new ClipModelOptions().OptimizedModelCacheDirectory;
        long? left = optimizedDir is null || SameMount(optimizedDir, ModelsDirectory) ? available - downloadBytes : FreeBytes(optimizedDir);
        if (optimizedBytes > 0 && left is long room && optimizedBytes > room)
        {
            notice?.Invoke($"the optimised copy of {label} needs about {ByteCount.Format(optimizedBytes)} but only {ByteCount.Format(room)} will be free; it will not be written (CLIPSHARP_OPTIMIZED_MODELS=DIR puts it on another disk)");
        }
    }

    /// <summary>Free bytes on the mount holding <paramref name="path"/>, or null when that cannot be known.</summary>
    public static long? FreeBytes(string path) => Mount(path)?.AvailableFreeSpace;

    private static bool SameMount(string a, string b) => Mount(a)?.RootDirectory.FullName is { } ma && ma == Mount(b)?.RootDirectory.FullName;

    private static DriveInfo? Mount(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            DriveInfo? best = null;
            foreach (var drive in DriveInfo.GetDrives())
            {
                string mount = drive.RootDirectory.FullName;
                if (full.StartsWith(mount, StringComparison.Ordinal) && (best is null || mount.Length > best.RootDirectory.FullName.Length))
                {
                    best = drive;
                }
            }

            _ = best?.AvailableFreeSpace; // some container file systems cannot say: treat as unknown
            return best;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private string ManifestPath(string key) => Path.Combine(ModelDirectory(key), ManifestFileName);

    /// <summary>The staging folder of ClipSharp versions before content-keyed staging.</summary>
    private string LegacyPartial(string key) => Path.Combine(ModelsDirectory, ".partial", key);

    private static CachedModelManifest? ReadManifestAt(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var files = new List<RemoteFile>();
            string? commit = root.TryGetProperty("commit", out var c) ? c.GetString() : null;
            if (root.TryGetProperty("files", out var list))
            {
                foreach (var f in list.EnumerateArray())
                {
                    string? hash = f.TryGetProperty("sha256", out var sha) ? sha.GetString() : f.TryGetProperty("git_sha1", out var git) ? git.GetString() : null;
                    if (hash is not null && FileVerifier.IsKnownHash(hash))
                    {
                        files.Add(new RemoteFile(f.GetProperty("path").GetString()!, f.GetProperty("size").GetInt64(), hash, commit));
                    }
                }
            }

            return new CachedModelManifest(
                root.GetProperty("repository").GetString() ?? string.Empty,
                root.GetProperty("revision").GetString() ?? string.Empty,
                commit,
                root.GetProperty("bytes").GetInt64(),
                DateTimeOffset.Parse(root.GetProperty("pulled").GetString()!, CultureInfo.InvariantCulture)) { Files = files };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, "damaged cache manifest; remove the model with 'clipsharp models rm' and pull it again", path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.Io, $"cannot read the cache manifest ({HubClient.OneLine(ex.Message)})", path, ex);
        }
    }

    private static void DeleteEntry(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Housekeeping: the next pull tries again.
        }
    }
}
