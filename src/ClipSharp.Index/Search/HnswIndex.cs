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

/// <summary>
/// A USearch HNSW graph over a snapshot (keys = snapshot rows), persisted next to the database with a fingerprint
/// (generation, vector key, count, dimension, parameters) so a stale file is rebuilt, never used.
/// </summary>
internal sealed class HnswIndex : IDisposable
{
    public const string FileName = "hnsw.usearch";
    public const string FingerprintFileName = "hnsw.json";

    private readonly USearchIndex _index;

    private HnswIndex(USearchIndex index)
    {
        _index = index;
    }

    public static HnswIndex Build(VectorSnapshot snapshot, HnswOptions options)
    {
        var index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, (ulong)snapshot.Dimension,
            (ulong)options.Connectivity, (ulong)options.ExpansionAdd, (ulong)Math.Max(options.ExpansionSearch, 1), false);
        try
        {
            if (snapshot.Count == 0)
            {
                return new HnswIndex(index);
            }

            // Concurrent inserts are safe in the native index once capacity is reserved (growing is not). The
            // binding keeps its reserve method private, so reach it by reflection; without it, add sequentially.
            if (TryReserve(index, (ulong)snapshot.Count))
            {
                Parallel.For(0, snapshot.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new float[snapshot.Dimension], (row, _, buffer) =>
                {
                    snapshot.ReadRow(row).CopyTo(buffer);
                    index.Add((ulong)row, buffer);
                    return buffer;
                }, _ => { });
            }
            else
            {
                const int Chunk = 4096;
                for (int start = 0; start < snapshot.Count; start += Chunk)
                {
                    int n = Math.Min(Chunk, snapshot.Count - start);
                    var keys = new ulong[n];
                    var vectors = new float[n][];
                    for (int i = 0; i < n; i++)
                    {
                        keys[i] = (ulong)(start + i);
                        vectors[i] = snapshot.ReadRow(start + i).ToArray();
                    }

                    index.Add(keys, vectors);
                }
            }
        }
        catch
        {
            index.Dispose();
            throw;
        }

        return new HnswIndex(index);
    }

    private static bool TryReserve(USearchIndex index, ulong count)
    {
        var method = typeof(USearchIndex).GetMethod("IncreaseCapacity", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        if (method is null)
        {
            return false;
        }

        method.Invoke(index, [count]);
        return index.Capacity() >= count;
    }

    /// <summary>Loads the persisted graph of <paramref name="snapshot"/> from <paramref name="folder"/>, or builds and saves it.</summary>
    public static HnswIndex LoadOrBuild(string folder, VectorSnapshot snapshot, HnswOptions options)
    {
        string file = Path.Combine(folder, FileName);
        string fingerprintFile = Path.Combine(folder, FingerprintFileName);
        string fingerprint = Fingerprint(snapshot, options);
        try
        {
            if (File.Exists(file) && File.Exists(fingerprintFile) && File.ReadAllText(fingerprintFile) == fingerprint)
            {
                // Memory-mapped (view) rather than loaded: no second copy of the vectors in RAM, near-instant start.
                var loaded = new USearchIndex(file, true);
                if ((long)loaded.Size() == snapshot.Count && (int)loaded.Dimensions() == snapshot.Dimension)
                {
                    return new HnswIndex(loaded);
                }

                loaded.Dispose();
            }
        }
        catch (USearchException)
        {
            // A damaged file is rebuilt below.
        }
        catch (IOException)
        {
        }

        var built = Build(snapshot, options);
        string temp = file + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            File.Delete(fingerprintFile);
            built._index.Save(temp);
            File.Move(temp, file, overwrite: true);
            File.WriteAllText(fingerprintFile + ".tmp", fingerprint);
            File.Move(fingerprintFile + ".tmp", fingerprintFile, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or USearchException)
        {
            // Persisting is an optimisation: a read-only index folder still searches.
            File.Delete(temp);
        }

        return built;
    }

    public static string Fingerprint(VectorSnapshot snapshot, HnswOptions options) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["generation"] = snapshot.Generation,
        ["vectorKey"] = snapshot.VectorKey,
        ["count"] = snapshot.Count,
        ["dimension"] = snapshot.Dimension,
        ["connectivity"] = options.Connectivity,
        ["expansionAdd"] = options.ExpansionAdd,
    });

    /// <summary>Approximate nearest rows: candidate rows, best first by the graph's distance.</summary>
    public ulong[] Search(ReadOnlySpan<float> query, int count)
    {
        count = Math.Max(count, 1);
        int found = _index.Search(query.ToArray(), count, out ulong[] keys, out _);
        return keys.AsSpan(0, found).ToArray();
    }

    public void Dispose() => _index.Dispose();
}
