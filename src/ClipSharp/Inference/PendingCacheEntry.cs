using Microsoft.ML.OnnxRuntime;

namespace ClipSharp;

/// <summary>A new <see cref="OptimizedModelCache"/> entry being written: ONNX Runtime saves the optimised model into its temporary folder.</summary>
internal sealed class PendingCacheEntry
{
    private readonly OptimizedModelCache _cache;
    private readonly OptimizedModelCacheLocation _location;
    private readonly string _temp;

    public PendingCacheEntry(OptimizedModelCache cache, OptimizedModelCacheLocation location, string temp)
    {
        _cache = cache;
        _location = location;
        _temp = temp;
    }

    /// <summary>Where ONNX Runtime writes the optimised graph (its weights go to <see cref="OptimizedModelCache.DataFileName"/> beside it).</summary>
    public string GraphPath => Path.Combine(_temp, OptimizedModelCache.GraphFileName);

    /// <summary>The entry's final folder.</summary>
    public string EntryDirectory => Path.Combine(_location.Directory, _location.EntryName);

    /// <summary>A working file inside the pending entry; the caller deletes it before <see cref="Commit"/>.</summary>
    public string ScratchFile(string name) => Path.Combine(_temp, name);

    /// <summary>Sets the session options that make ONNX Runtime write the entry's files while it creates the session.</summary>
    public void Configure(SessionOptions options)
    {
        options.OptimizedModelFilePath = GraphPath;
        options.AddSessionConfigEntry("session.optimized_model_external_initializers_file_name", OptimizedModelCache.DataFileName);
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

            OptimizedModelManifest.Write(_temp, _location.SourceId, _cache.Stamp);
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
    public void Abandon() => OptimizedModelCache.DeleteQuietly(_temp);
}
