using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Evaluation;

/// <summary>
/// A file of image embeddings keyed by path, size and modification time, valid for one model fingerprint, so that
/// re-running an evaluation (e.g. with other templates) does not re-embed unchanged images.
/// </summary>
internal sealed class EmbeddingCache
{
    private const string Magic = "clipsharp-embedding-cache/1";
    private readonly Dictionary<string, (long Size, long Ticks, float[] Vector)> _entries = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly string _fingerprint;
    private readonly int _dimension;
    private bool _dirty;

    private EmbeddingCache(string? path, string fingerprint, int dimension)
    {
        _path = path;
        _fingerprint = fingerprint;
        _dimension = dimension;
    }

    /// <summary>Opens (or starts) the cache at <paramref name="path"/>; null keeps it in memory only. A cache of another model is ignored.</summary>
    public static EmbeddingCache Open(string? path, ClipModel model) => Open(path, Fingerprint(model), model.EmbeddingDimension);

    /// <summary>Opens the cache for the model identified by <paramref name="fingerprint"/>; a damaged file is read as empty, never an error.</summary>
    internal static EmbeddingCache Open(string? path, string fingerprint, int dimension)
    {
        var cache = new EmbeddingCache(path, fingerprint, dimension);
        if (path is null || !File.Exists(path))
        {
            return cache;
        }

        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (reader.ReadString() != Magic || reader.ReadString() != cache._fingerprint || reader.ReadInt32() != cache._dimension)
            {
                return cache; // another model or format: start afresh, overwrite on save
            }

            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string file = reader.ReadString();
                long size = reader.ReadInt64();
                long ticks = reader.ReadInt64();
                float[] vector = new float[cache._dimension];
                for (int k = 0; k < vector.Length; k++)
                {
                    vector[k] = reader.ReadSingle();
                }

                cache._entries[file] = (size, ticks, vector);
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException)
        {
            cache._entries.Clear(); // a damaged cache only costs re-embedding
        }

        return cache;
    }

    public int Count => _entries.Count;

    public bool TryGet(string file, out float[] vector)
    {
        var info = new FileInfo(file);
        if (info.Exists && _entries.TryGetValue(file, out var e) && e.Size == info.Length && e.Ticks == info.LastWriteTimeUtc.Ticks)
        {
            vector = e.Vector;
            return true;
        }

        vector = [];
        return false;
    }

    public void Add(string file, float[] vector)
    {
        var info = new FileInfo(file);
        _entries[file] = (info.Length, info.LastWriteTimeUtc.Ticks, vector);
        _dirty = true;
    }

    /// <summary>Writes the cache atomically (temporary file, then rename).</summary>
    public void Save()
    {
        if (_path is null || !_dirty)
        {
            return;
        }

        string? dir = Path.GetDirectoryName(Path.GetFullPath(_path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        string temp = _path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using (var writer = new BinaryWriter(File.Create(temp), Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(_fingerprint);
            writer.Write(_dimension);
            writer.Write(_entries.Count);
            foreach (var (file, (size, ticks, vector)) in _entries)
            {
                writer.Write(file);
                writer.Write(size);
                writer.Write(ticks);
                foreach (float v in vector)
                {
                    writer.Write(v);
                }
            }
        }

        File.Move(temp, _path, overwrite: true);
        _dirty = false;
    }

    /// <summary>Identifies the image pipeline: the vision graph file and the preprocessing it is fed.</summary>
    internal static string Fingerprint(ClipModel model)
    {
        var info = new FileInfo(model.VisionModelPath);
        var c = model.Preprocessor.Config;
        string text = string.Create(CultureInfo.InvariantCulture,
            $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{c.Size}|{c.ResizeMode}|{c.Filter}|{string.Join(',', c.Mean)}|{string.Join(',', c.Std)}|{c.FillColor}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
