using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace ClipSharp;

/// <summary>How a tower's session was created with respect to the optimised-model cache.</summary>
internal enum OptimizedModelCacheUse
{
    /// <summary>The cache is off (option, environment, or a GPU provider): the original model was loaded.</summary>
    Disabled,

    /// <summary>The optimised graph and its pre-packed weights were loaded from a cache entry.</summary>
    Loaded,

    /// <summary>The original model was loaded and optimised, and the result written to a new cache entry.</summary>
    Written,

    /// <summary>The original model was loaded; no entry was written (no writable folder, a write failed, or another writer won).</summary>
    NotWritten,
}

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
    private const int FormatVersion = 2;
    private const string TempPrefix = ".tmp-";
    private static readonly TimeSpan s_staleTemp = TimeSpan.FromHours(1);
    private static readonly Lazy<string> s_environmentKey = new(DescribeEnvironment);

    private readonly string _fileName;
    private readonly string _stamp;
    private readonly Location[] _locations;

    private OptimizedModelCache(string fileName, string stamp, Location[] locations)
    {
        _fileName = fileName;
        _stamp = stamp;
        _locations = locations;
    }

    /// <summary>One folder that may hold entries for the model, and the entry name the model has there.</summary>
    internal sealed record Location(string Directory, string SourceId, string EntryName, bool Beside);

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
            stamp = SourceStamp(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }

        string fileName = Path.GetFileName(fullPath);
        Location Make(string dir, string sourceId, bool beside) => new(dir, sourceId, fileName + "-" + Key(sourceId, stamp, variant), beside);
        Location[] locations;
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

            if (IsComplete(entry))
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
                        && ReadManifest(entry) is { } manifest && manifest.Source.StartsWith(root, StringComparison.Ordinal))
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
    /// The caller points ONNX Runtime's optimised-model output at <see cref="PendingEntry.GraphPath"/>, then commits.
    /// </summary>
    public PendingEntry? BeginWrite()
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
                return new PendingEntry(this, location, temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not writable after all: try the next location.
            }
        }

        return null;
    }

    /// <summary>A new entry being written: ONNX Runtime saves the optimised model into its temporary folder.</summary>
    internal sealed class PendingEntry
    {
        private readonly OptimizedModelCache _cache;
        private readonly Location _location;
        private readonly string _temp;

        public PendingEntry(OptimizedModelCache cache, Location location, string temp)
        {
            _cache = cache;
            _location = location;
            _temp = temp;
        }

        /// <summary>Where ONNX Runtime writes the optimised graph (its weights go to <see cref="DataFileName"/> beside it).</summary>
        public string GraphPath => Path.Combine(_temp, GraphFileName);

        /// <summary>The entry's final folder.</summary>
        public string EntryDirectory => Path.Combine(_location.Directory, _location.EntryName);

        /// <summary>A working file inside the pending entry; the caller deletes it before <see cref="Commit"/>.</summary>
        public string ScratchFile(string name) => Path.Combine(_temp, name);

        /// <summary>Sets the session options that make ONNX Runtime write the entry's files while it creates the session.</summary>
        public void Configure(SessionOptions options)
        {
            options.OptimizedModelFilePath = GraphPath;
            options.AddSessionConfigEntry("session.optimized_model_external_initializers_file_name", DataFileName);
            options.AddSessionConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
            options.AddSessionConfigEntry("session.save_external_prepacked_constant_initializers", "1");
        }

        /// <summary>
        /// Writes the manifest and renames the folder into place. False when the files are missing or another writer
        /// published the same entry first (its entry is then used by later loads); the temporary folder is removed.
        /// </summary>
        public bool Commit()
        {
            try
            {
                if (!File.Exists(GraphPath))
                {
                    Abandon();
                    return false;
                }

                WriteManifest(_temp, _location.SourceId, _cache._stamp);
                Directory.Move(_temp, EntryDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Abandon();
                return false;
            }

            _cache.Prune(_location);
            return true;
        }

        /// <summary>Removes the temporary folder (best effort).</summary>
        public void Abandon() => DeleteQuietly(_temp);
    }

    /// <summary>
    /// After a new entry: removes this model's entries whose source was a different file (changed since) or that an
    /// older ClipSharp wrote in an earlier format, and temporary folders left by crashed writers. Entries of the same
    /// source for another ONNX Runtime version or processor stay.
    /// </summary>
    private void Prune(Location location)
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

                if (ReadManifest(dir) is { } manifest && manifest.Source == location.SourceId
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

    private static void DeleteQuietly(string dir)
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
        sb.Append("; ").Append(InstructionSet());
        return sb.ToString();
    }

    /// <summary>
    /// The processor's feature bits as ONNX Runtime's kernel dispatch sees them: on x86 the CPUID vendor and feature
    /// leaves (1, 7.0, 7.1, 0x80000001; per-core fields such as the APIC id left out) plus the OS-enabled vector widths;
    /// on Arm the instruction-set extensions .NET detects.
    /// </summary>
    private static string InstructionSet()
    {
        var sb = new StringBuilder();
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            var (_, vb, vc, vd) = System.Runtime.Intrinsics.X86.X86Base.CpuId(0, 0);
            var (_, _, c1, d1) = System.Runtime.Intrinsics.X86.X86Base.CpuId(1, 0);
            var (_, b7, c7, d7) = System.Runtime.Intrinsics.X86.X86Base.CpuId(7, 0);
            var (a71, _, _, d71) = System.Runtime.Intrinsics.X86.X86Base.CpuId(7, 1);
            var (_, _, ce, de) = System.Runtime.Intrinsics.X86.X86Base.CpuId(unchecked((int)0x80000001), 0);
            foreach (int v in (ReadOnlySpan<int>)[vb, vd, vc, c1, d1, b7, c7, d7, a71, d71, ce, de])
            {
                sb.Append(v.ToString("x8", CultureInfo.InvariantCulture)).Append(' ');
            }

            sb.Append(System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2 " : "").Append(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "avx512" : "");
        }
        else if (System.Runtime.Intrinsics.Arm.ArmBase.IsSupported)
        {
            sb.Append(System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "asimd " : "")
                .Append(System.Runtime.Intrinsics.Arm.Dp.IsSupported ? "dotprod " : "")
                .Append(System.Runtime.Intrinsics.Arm.Rdm.IsSupported ? "rdm " : "")
                .Append(System.Runtime.Intrinsics.Arm.Aes.IsSupported ? "aes " : "")
                .Append(System.Runtime.Intrinsics.Arm.Crc32.IsSupported ? "crc32 " : "")
                .Append(System.Runtime.Intrinsics.Arm.Sha256.IsSupported ? "sha256 " : "");
            if (OperatingSystem.IsLinux())
            {
                sb.Append(CpuInfoFeatures());
            }
        }

        return sb.ToString();
    }

    /// <summary>The first "Features" line of /proc/cpuinfo (Arm Linux: SVE, i8mm, bf16 and others .NET does not report).</summary>
    private static string CpuInfoFeatures()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("Features", StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return "";
    }

    /// <summary>
    /// Identifies the content of the source model cheaply: size, modification time, a hash of samples of its bytes,
    /// and size and time of external data files beside it (<c>model.onnx_data</c>, <c>model.onnx.data</c>).
    /// </summary>
    private static string SourceStamp(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists)
        {
            throw new FileNotFoundException("model file not found", fullPath);
        }

        var sb = new StringBuilder();
        sb.Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(SampleHash(fullPath, info.Length));
        foreach (string extra in Directory.EnumerateFiles(info.DirectoryName!, info.Name + "*").Order(StringComparer.Ordinal))
        {
            if (extra != fullPath)
            {
                var e = new FileInfo(extra);
                sb.Append(' ').Append(e.Name).Append(' ').Append(e.Length.ToString(CultureInfo.InvariantCulture))
                    .Append(' ').Append(e.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>SHA-256 of the first and last 64 KiB and 16 evenly spaced 4 KiB blocks: a few reads, whatever the size.</summary>
    private static string SampleHash(string path, long length)
    {
        const int Edge = 64 * 1024;
        const int Block = 4 * 1024;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[Edge];
        void Add(long offset, int count)
        {
            count = (int)Math.Min(count, length - offset);
            int read = 0;
            while (read < count)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(read, count - read), offset + read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            hash.AppendData(buffer, 0, read);
        }

        if (length <= 2 * Edge)
        {
            for (long offset = 0; offset < length; offset += Edge)
            {
                Add(offset, Edge);
            }
        }
        else
        {
            Add(0, Edge);
            for (int i = 1; i <= 16; i++)
            {
                Add(length / 17 * i, Block);
            }

            Add(length - Edge, Edge);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record Manifest(int Format, string Source, string Stamp, string Environment, long GraphSize, string GraphSha256, long DataSize,
        string DataSampleSha256);

    private static readonly JsonSerializerOptions s_manifestJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    private static void WriteManifest(string dir, string sourceId, string stamp)
    {
        string graph = Path.Combine(dir, GraphFileName);
        string data = Path.Combine(dir, DataFileName);
        long dataSize = File.Exists(data) ? new FileInfo(data).Length : -1;
        var manifest = new Manifest(FormatVersion, sourceId, stamp, s_environmentKey.Value, new FileInfo(graph).Length, GraphHash(graph),
            dataSize, dataSize >= 0 ? SampleHash(data, dataSize) : "");
        File.WriteAllBytes(Path.Combine(dir, ManifestFileName), JsonSerializer.SerializeToUtf8Bytes(manifest, s_manifestJson));
    }

    private static Manifest? ReadManifest(string dir)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(dir, ManifestFileName)), s_manifestJson);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    private static string GraphHash(string graph) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(graph)));

    /// <summary>True when the entry's files are there with the sizes and hashes its manifest records.</summary>
    private static bool IsComplete(string entry)
    {
        if (ReadManifest(entry) is not { Format: FormatVersion } manifest)
        {
            return false;
        }

        try
        {
            string graph = Path.Combine(entry, GraphFileName);
            string data = Path.Combine(entry, DataFileName);
            var graphInfo = new FileInfo(graph);
            if (!graphInfo.Exists || graphInfo.Length != manifest.GraphSize
                || GraphHash(graph) != manifest.GraphSha256)
            {
                return false;
            }

            var dataInfo = new FileInfo(data);
            long dataSize = dataInfo.Exists ? dataInfo.Length : -1;
            return dataSize == manifest.DataSize && (dataSize < 0 || SampleHash(data, dataSize) == manifest.DataSampleSha256);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
