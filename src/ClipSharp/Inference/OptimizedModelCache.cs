using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace ClipSharp;

/// <summary>
/// The cache of optimised models: the graph ONNX Runtime produces after its optimisation passes, saved as ONNX with its
/// weights in an external data file that also holds the pre-packed (GEMM-ready) weights, so a later load memory-maps it
/// instead of parsing the protobuf, optimising and pre-packing again.
/// <para>
/// An entry is a folder named <c>{model file name}-{key}</c>; the key hashes the source file (size, modification time,
/// sampled content, external data files beside it), the ONNX Runtime version, the optimisation level and the
/// processor (CPUID feature bits; the optimised graph and the packed weights are specific to the instruction set).
/// Entries are written into a temporary folder and renamed into place when complete, so a crash never leaves half an
/// entry and concurrent writers (threads or processes) do not collide: the first rename wins. An entry's
/// <c>entry.json</c> records the size and a hash of each file; an entry that does not match it, or that ONNX Runtime
/// refuses, is removed and rewritten from the original model.
/// </para>
/// <para>
/// Location: <see cref="ClipModelOptions.OptimizedModelCacheDirectory"/> when set; else a <c>.clipsharp-cache</c>
/// folder beside the ONNX file when that folder can be written (a folder without any write permission bit counts as
/// read-only, also for root), else <c>optimized/</c> under the user cache folder (<c>$CLIPSHARP_HOME</c>,
/// <c>$XDG_CACHE_HOME/clipsharp</c> or <c>~/.cache/clipsharp</c>).
/// </para>
/// </summary>
internal sealed class OptimizedModelCache
{
    /// <summary>The folder created beside a model file.</summary>
    public const string BesideFolderName = ".clipsharp-cache";

    /// <summary>The optimised graph inside an entry.</summary>
    public const string GraphFileName = "model.onnx";

    /// <summary>The weights (original and pre-packed) of the optimised graph, referenced by name from the graph.</summary>
    public const string DataFileName = "model.onnx.data";

    /// <summary>Sizes and hashes of the entry's files, written last.</summary>
    public const string ManifestFileName = "entry.json";

    /// <summary>The optimisation level the cached graphs are produced with (and the one the towers use without a cache).</summary>
    public const GraphOptimizationLevel Level = GraphOptimizationLevel.ORT_ENABLE_ALL;

    // 2: vision graphs are pruned to the class token before optimisation (ClassTokenPruning).
    internal const int FormatVersion = 2;
    private const string TempPrefix = ".tmp-";
    private static readonly TimeSpan s_staleTemp = TimeSpan.FromHours(1);
    private static readonly Lazy<string> s_environmentKey = new(DescribeEnvironment);

    private readonly string _fileName;
    private readonly string _stamp;
    private readonly OptimizedModelCacheLocation[] _locations;

    /// <summary>The source stamp of the model file (<see cref="ModelFileStamp"/>), recorded in the entries' manifests.</summary>
    internal string Stamp => _stamp;

    /// <summary>ONNX Runtime's version and the processor's instruction set, recorded in the entries' manifests.</summary>
    internal static string EnvironmentKey => s_environmentKey.Value;

    private OptimizedModelCache(string fileName, string stamp, OptimizedModelCacheLocation[] locations)
    {
        _fileName = fileName;
        _stamp = stamp;
        _locations = locations;
    }

    /// <summary>
    /// The cache for one model file, or null when the options turn it off or the file cannot be examined (the caller
    /// then loads the original model, which reports the real error).
    /// </summary>
    /// <param name="modelPath">The original ONNX file.</param>
    /// <param name="directory">An explicit cache folder, or null for the default locations.</param>
    /// <param name="userCacheRoot">The user cache folder used when the model's own folder is read-only (tests override it).</param>
    /// <param name="variant">What the loader does to the graph before ONNX Runtime optimises it (part of the key).</param>
    public static OptimizedModelCache? Create(string modelPath, string? directory, string? userCacheRoot = null, string variant = "")
    {
        string fullPath;
        string stamp;
        try
        {
            fullPath = Path.GetFullPath(modelPath);
            stamp = ModelFileStamp.Compute(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }

        string fileName = Path.GetFileName(fullPath);
        OptimizedModelCacheLocation Make(string dir, string sourceId, bool beside) => new(dir, sourceId, fileName + "-" + Key(sourceId, stamp, variant), beside);
        OptimizedModelCacheLocation[] locations;
        if (!string.IsNullOrWhiteSpace(directory))
        {
            locations = [Make(Path.GetFullPath(directory), fullPath, beside: false)];
        }
        else
        {
            // Beside the model the entry moves with its folder: the key names the file, not the folder.
            string besideDir = Path.Combine(Path.GetDirectoryName(fullPath)!, BesideFolderName);
            string userDir = Path.Combine(userCacheRoot ?? new Models.ModelHubOptions().CacheDirectory, "optimized");
            locations = [Make(besideDir, fileName, beside: true), Make(userDir, fullPath, beside: false)];
        }

        return new OptimizedModelCache(fileName, stamp, locations);
    }

    /// <summary>
    /// The graph file of a complete entry for this model, or null. Entries whose files do not match their manifest
    /// are removed on the way.
    /// </summary>
    public string? FindEntry()
    {
        foreach (var location in _locations)
        {
            string entry = Path.Combine(location.Directory, location.EntryName);
            if (!Directory.Exists(entry))
            {
                continue;
            }

            if (OptimizedModelManifest.IsComplete(entry))
            {
                return Path.Combine(entry, GraphFileName);
            }

            Remove(entry);
        }

        return null;
    }

    /// <summary>Removes an entry that ONNX Runtime refused to load (best effort; it is rewritten afterwards).</summary>
    public static void Discard(string graphPath) => Remove(Path.GetDirectoryName(graphPath)!);

    /// <summary>What an entry is expected to take for a model file of <paramref name="modelFileBytes"/>: about twice its size (graph, weights and packed weights).</summary>
    public static long EstimatedEntryBytes(long modelFileBytes) => 2 * modelFileBytes;

    /// <summary>
    /// Bytes of the entries made from the model files under <paramref name="modelFolder"/>: the <see cref="BesideFolderName"/>
    /// folders inside it, and the entries in <paramref name="sharedDirectories"/> whose manifest names a source inside it.
    /// </summary>
    public static long BytesFor(string modelFolder, IEnumerable<string?> sharedDirectories)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelFolder)) + Path.DirectorySeparatorChar;
        long total = 0;
        try
        {
            foreach (string beside in Directory.EnumerateDirectories(root, BesideFolderName, SearchOption.AllDirectories))
            {
                total += FolderBytes(beside);
            }

            foreach (string shared in sharedDirectories.OfType<string>().Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
            {
                if (!Directory.Exists(shared) || shared.StartsWith(root, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (string entry in Directory.EnumerateDirectories(shared))
                {
                    if (!Path.GetFileName(entry).StartsWith(TempPrefix, StringComparison.Ordinal)
                        && OptimizedModelManifest.Read(entry) is { } manifest && manifest.Source.StartsWith(root, StringComparison.Ordinal))
                    {
                        total += FolderBytes(entry);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be listed counts for what was seen; sizes are informative.
        }

        return total;
    }

    private static long FolderBytes(string folder)
        => new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>
    /// Starts a new entry in a temporary folder of the first writable location, or returns null when there is none.
    /// The caller points ONNX Runtime's optimised-model output at <see cref="PendingCacheEntry.GraphPath"/>, then commits.
    /// </summary>
    public PendingCacheEntry? BeginWrite()
    {
        foreach (var location in _locations)
        {
            if (location.Beside && !MayWriteBeside(location.Directory))
            {
                continue;
            }

            try
            {
                Directory.CreateDirectory(location.Directory);
                string temp = Path.Combine(location.Directory, TempPrefix + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(temp);
                return new PendingCacheEntry(this, location, temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not writable after all: try the next location.
            }
        }

        return null;
    }

    /// <summary>
    /// After a new entry: removes this model's entries whose source was a different file (changed since) or that an
    /// older ClipSharp wrote in an earlier format, and temporary folders left by crashed writers. Entries of the same
    /// source for another ONNX Runtime version or processor stay.
    /// </summary>
    internal void Prune(OptimizedModelCacheLocation location)
    {
        try
        {
            foreach (string dir in Directory.EnumerateDirectories(location.Directory))
            {
                string name = Path.GetFileName(dir);
                if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > s_staleTemp)
                    {
                        DeleteQuietly(dir);
                    }

                    continue;
                }

                if (name == location.EntryName || !name.StartsWith(_fileName + "-", StringComparison.Ordinal))
                {
                    continue;
                }

                if (OptimizedModelManifest.Read(dir) is { } manifest && manifest.Source == location.SourceId
                    && (manifest.Stamp != _stamp || manifest.Format < FormatVersion))
                {
                    Remove(dir);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Pruning is housekeeping; a failure leaves old entries behind, nothing more.
        }
    }

    private static bool MayWriteBeside(string cacheDir)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        // Respect a folder whose owner removed every write bit (shared read-only test data, packaged models), also as root.
        string probe = Directory.Exists(cacheDir) ? cacheDir : Path.GetDirectoryName(cacheDir)!;
        try
        {
            return (File.GetUnixFileMode(probe) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Renames an entry out of the way (atomic for readers), then deletes it; failures are ignored.</summary>
    private static void Remove(string entry)
    {
        string trash = Path.Combine(Path.GetDirectoryName(entry)!, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.Move(entry, trash);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        DeleteQuietly(trash);
    }

    internal static void DeleteQuietly(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file still mapped by a session (Windows) or a read-only folder: a later prune retries.
        }
    }

    private static string Key(string sourceId, string stamp, string variant)
    {
        string text = string.Join('\n', "clipsharp-optimized-model", FormatVersion.ToString(CultureInfo.InvariantCulture), s_environmentKey.Value,
            Level.ToString(), "cpu", sourceId, stamp, variant);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 10));
    }

    /// <summary>ONNX Runtime's version and the processor's instruction set, the parts of the key shared by all models.</summary>
    private static string DescribeEnvironment()
    {
        var sb = new StringBuilder();
        sb.Append("onnxruntime ").Append(OrtEnv.Instance().GetVersionString());
        sb.Append("; ").Append(RuntimeInformation.OSArchitecture).Append(' ').Append(RuntimeInformation.ProcessArchitecture);
        sb.Append("; ").Append(OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsLinux() ? "linux" : "other");
        sb.Append("; ").Append(CpuFeatures.Describe());
        return sb.ToString();
    }
}
