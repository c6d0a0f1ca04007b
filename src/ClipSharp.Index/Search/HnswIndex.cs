using System.Globalization;
using System.Text.Json;
using Cloud.Unum.USearch;

namespace ClipSharp.Index;

/// <summary>HNSW parameters of the approximate index.</summary>
public sealed record HnswOptions
{
    /// <summary>Use HNSW when an index holds at least this many vectors (default 20 000); below it, exact search.</summary>
    public int Threshold { get; init; } = 20_000;

    /// <summary>Graph connectivity M (default 16).</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>Candidate list size while building (default 128).</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>Candidate list size while searching (default 128; never below the number of hits asked for).</summary>
    public int ExpansionSearch { get; init; } = 128;
}

/// <summary>How a graph came to be.</summary>
internal enum HnswOrigin
{
    /// <summary>Built from scratch.</summary>
    Built,

    /// <summary>Memory-mapped from the persisted file, which was current.</summary>
    Loaded,

    /// <summary>Loaded from an older persisted file and brought up to date (removed, changed and new files).</summary>
    Updated,
}

/// <summary>
/// A USearch HNSW graph over a snapshot, keyed by file id, persisted next to the database with a fingerprint
/// (generation, vector key, dimension, parameters) and the list of ids it holds. A current file is memory-mapped;
/// an older one is updated in place (files removed, re-embedded or added since its generation) when that is a
/// small part of it, else rebuilt; a file for another model, damaged or missing, is rebuilt. Never used stale.
/// </summary>
internal sealed class HnswIndex : IDisposable
{
    public const string FileName = "hnsw.usearch";
    public const string FingerprintFileName = "hnsw.json";
    public const string IdsFileName = "hnsw.ids";

    /// <summary>Above this share of changed vectors, a rebuild gives a better graph than updating.</summary>
    private const double MaxUpdateShare = 0.2;

    private readonly USearchIndex _index;

    private HnswIndex(USearchIndex index, HnswOrigin origin)
    {
        _index = index;
        Origin = origin;
    }

    public HnswOrigin Origin { get; }

    public static HnswIndex Build(VectorSnapshot snapshot, HnswOptions options)
    {
        var index = Create(snapshot.Dimension, snapshot.Precision, options);
        try
        {
            AddRows(index, snapshot, Enumerable.Range(0, snapshot.Count).ToList());
        }
        catch
        {
            index.Dispose();
            throw;
        }

        return new HnswIndex(index, HnswOrigin.Built);
    }

    /// <summary>The graph keeps its own copy of the vectors, at the precision the index stores them.</summary>
    private static USearchIndex Create(int dimension, VectorPrecision precision, HnswOptions options) => new(MetricKind.Cos,
        precision == VectorPrecision.Float16 ? ScalarKind.Float16 : ScalarKind.Float32, (ulong)dimension,
        (ulong)options.Connectivity, (ulong)options.ExpansionAdd, (ulong)Math.Max(options.ExpansionSearch, 1), false);

    /// <summary>Adds rows (keyed by file id); in parallel when capacity can be reserved first.</summary>
    private static void AddRows(USearchIndex index, VectorSnapshot snapshot, List<int> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // Concurrent inserts are safe in the native index once capacity is reserved (growing is not). The
        // binding keeps its reserve method private, so reach it by reflection; without it, add sequentially.
        if (TryReserve(index, index.Size() + (ulong)rows.Count))
        {
            Parallel.For(0, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new float[snapshot.Dimension], (i, _, buffer) =>
            {
                snapshot.CopyRow(rows[i], buffer);
                index.Add((ulong)snapshot.Ids[rows[i]], buffer);
                return buffer;
            }, _ => { });
            return;
        }

        const int Chunk = 4096;
        for (int start = 0; start < rows.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, rows.Count - start);
            var keys = new ulong[n];
            var vectors = new float[n][];
            for (int i = 0; i < n; i++)
            {
                keys[i] = (ulong)snapshot.Ids[rows[start + i]];
                vectors[i] = new float[snapshot.Dimension];
                snapshot.CopyRow(rows[start + i], vectors[i]);
            }

            index.Add(keys, vectors);
        }
    }

    private static bool TryReserve(USearchIndex index, ulong capacity)
    {
        if (index.Capacity() >= capacity)
        {
            return true;
        }

        var method = typeof(USearchIndex).GetMethod("IncreaseCapacity", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        if (method is null)
        {
            return false;
        }

        method.Invoke(index, [capacity - index.Size()]);
        return index.Capacity() >= capacity;
    }

    /// <summary>The graph of <paramref name="snapshot"/>: the persisted one when current, else updated or rebuilt and saved.</summary>
    public static HnswIndex LoadOrBuild(string folder, VectorSnapshot snapshot, HnswOptions options)
    {
        string file = Path.Combine(folder, FileName);
        string idsFile = Path.Combine(folder, IdsFileName);
        string fingerprintFile = Path.Combine(folder, FingerprintFileName);
        HnswIndex? result = null;
        try
        {
            var saved = File.Exists(fingerprintFile) && File.Exists(file) && File.Exists(idsFile)
                ? JsonSerializer.Deserialize<Fingerprint>(File.ReadAllText(fingerprintFile))
                : null;
            if (saved is not null && saved.SameShape(snapshot, options))
            {
                if (saved.Generation == snapshot.Generation)
                {
                    // Memory-mapped (view): no second copy of the vectors in RAM, near-instant start.
                    var viewed = new USearchIndex(file, true);
                    if ((long)viewed.Size() == snapshot.Count)
                    {
                        return new HnswIndex(viewed, HnswOrigin.Loaded);
                    }

                    viewed.Dispose();
                }
                else if (saved.Generation < snapshot.Generation)
                {
                    result = TryUpdate(file, ReadIds(idsFile), saved.Generation, snapshot);
                }
            }
        }
        catch (Exception ex) when (ex is USearchException or IOException or JsonException or InvalidDataException)
        {
            // A damaged or unreadable file is rebuilt below.
            result?.Dispose();
            result = null;
        }

        result ??= Build(snapshot, options);
        Save(folder, result, snapshot, options);
        return result;
    }

    private static HnswIndex? TryUpdate(string file, long[] graphIds, long graphGeneration, VectorSnapshot snapshot)
    {
        var current = new HashSet<long>(snapshot.Ids);
        var removed = graphIds.Where(id => !current.Contains(id)).ToList();
        var inGraph = new HashSet<long>(graphIds);
        var changed = new List<int>();
        for (int row = 0; row < snapshot.Count; row++)
        {
            if (snapshot.RowGeneration[row] > graphGeneration || !inGraph.Contains(snapshot.Ids[row]))
            {
                changed.Add(row);
            }
        }

        if (removed.Count + changed.Count > MaxUpdateShare * Math.Max(snapshot.Count, graphIds.Length))
        {
            return null;
        }

        var index = new USearchIndex(file, false);
        try
        {
            foreach (long id in removed)
            {
                index.Remove((ulong)id);
            }

            foreach (int row in changed)
            {
                if (inGraph.Contains(snapshot.Ids[row]))
                {
                    index.Remove((ulong)snapshot.Ids[row]);
                }
            }

            AddRows(index, snapshot, changed);
            if ((long)index.Size() != snapshot.Count)
            {
                throw new InvalidDataException($"The updated graph holds {index.Size()} vectors, expected {snapshot.Count}.");
            }
        }
        catch
        {
            index.Dispose();
            throw;
        }

        return new HnswIndex(index, HnswOrigin.Updated);
    }

    /// <summary>Saves graph, ids, then fingerprint, each by rename; the fingerprint goes first and last so a crash in between leaves none.</summary>
    private static void Save(string folder, HnswIndex graph, VectorSnapshot snapshot, HnswOptions options)
    {
        string file = Path.Combine(folder, FileName);
        string idsFile = Path.Combine(folder, IdsFileName);
        string fingerprintFile = Path.Combine(folder, FingerprintFileName);
        string suffix = ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            File.Delete(fingerprintFile);
            graph._index.Save(file + suffix);
            File.Move(file + suffix, file, overwrite: true);
            using (var stream = File.Create(idsFile + suffix))
            {
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(snapshot.Ids.AsSpan()));
            }

            File.Move(idsFile + suffix, idsFile, overwrite: true);
            File.WriteAllText(fingerprintFile + suffix, JsonSerializer.Serialize(Fingerprint.Of(snapshot, options)));
            File.Move(fingerprintFile + suffix, fingerprintFile, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or USearchException)
        {
            // Persisting is an optimisation: a read-only index folder still searches.
            File.Delete(file + suffix);
            File.Delete(idsFile + suffix);
        }
    }

    private static long[] ReadIds(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length % sizeof(long) != 0)
        {
            throw new InvalidDataException("The HNSW id list is damaged.");
        }

        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray();
    }

    /// <summary>Approximate nearest files: candidate file ids, best first by the graph's distance.</summary>
    public long[] Search(ReadOnlySpan<float> query, int count)
    {
        count = Math.Max(count, 1);
        int found = _index.Search(query.ToArray(), count, out ulong[] keys, out _);
        var ids = new long[found];
        for (int i = 0; i < found; i++)
        {
            ids[i] = (long)keys[i];
        }

        return ids;
    }

    public void Dispose() => _index.Dispose();

    /// <summary>What a persisted graph was built from; its precision defaults to float32, as in files written before there was a choice.</summary>
    private sealed record Fingerprint(long Generation, string VectorKey, int Count, int Dimension, int Connectivity, int ExpansionAdd,
        VectorPrecision Precision = VectorPrecision.Float32)
    {
        public static Fingerprint Of(VectorSnapshot s, HnswOptions o)
            => new(s.Generation, s.VectorKey, s.Count, s.Dimension, o.Connectivity, o.ExpansionAdd, s.Precision);

        public bool SameShape(VectorSnapshot s, HnswOptions o)
            => VectorKey == s.VectorKey && Dimension == s.Dimension && Precision == s.Precision
                && Connectivity == o.Connectivity && ExpansionAdd == o.ExpansionAdd;
    }
}
