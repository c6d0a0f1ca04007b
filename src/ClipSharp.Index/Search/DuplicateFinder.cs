namespace ClipSharp.Index;

/// <summary>The kind of a duplicate group.</summary>
public enum DuplicateKind
{
    /// <summary>Byte-identical files (same SHA-256).</summary>
    Exact,

    /// <summary>Images whose embeddings are at least the threshold apart by cosine.</summary>
    Near,
}

/// <summary>A group of duplicate files.</summary>
/// <param name="Kind">Exact or near.</param>
/// <param name="Paths">The files, in path order.</param>
/// <param name="MinScore">The lowest cosine of a pair that joined the group (1 for exact groups).</param>
public sealed record DuplicateGroup(DuplicateKind Kind, IReadOnlyList<string> Paths, float MinScore);

/// <summary>
/// Turns duplicate candidates into groups, the same way for every backend: exact groups by content hash, then near
/// groups joined transitively (union-find) over distinct contents, each hash group one node.
/// </summary>
internal static class DuplicateGrouping
{
    /// <summary>
    /// Groups <paramref name="files"/> (current files in path order, with their content hashes) given the pairs of
    /// distinct contents whose cosine is at or above the threshold (<paramref name="nearPairs"/>, by hash).
    /// </summary>
    public static IReadOnlyList<DuplicateGroup> Group(IReadOnlyList<(string Path, string Sha256)> files, IEnumerable<(string Sha256A, string Sha256B, float Score)> nearPairs)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(nearPairs);
        var byHash = new Dictionary<string, int>(StringComparer.Ordinal);
        var members = new List<List<string>>();
        foreach (var (path, sha) in files)
        {
            if (!byHash.TryGetValue(sha, out int n))
            {
                n = members.Count;
                byHash.Add(sha, n);
                members.Add([]);
            }

            members[n].Add(path);
        }

        var groups = new List<DuplicateGroup>();
        foreach (var m in members.Where(m => m.Count > 1))
        {
            groups.Add(new DuplicateGroup(DuplicateKind.Exact, m, 1f));
        }

        var pairs = new List<(int A, int B, float Score)>();
        foreach (var (a, b, score) in nearPairs)
        {
            if (byHash.TryGetValue(a, out int na) && byHash.TryGetValue(b, out int nb) && na != nb)
            {
                pairs.Add((Math.Min(na, nb), Math.Max(na, nb), score));
            }
        }

        pairs.Sort((x, y) => x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));
        groups.AddRange(Near(members.Count, pairs, n => members[n]));
        return groups;
    }

    /// <summary>Near groups from node pairs (union-find); components in order of their smallest node.</summary>
    internal static List<DuplicateGroup> Near(int nodes, List<(int A, int B, float Score)> pairs, Func<int, IEnumerable<string>> pathsOf)
    {
        var parent = Enumerable.Range(0, nodes).ToArray();
        var minScore = new float[nodes];
        Array.Fill(minScore, 1f);
        foreach (var (a, b, score) in pairs)
        {
            int ra = Find(parent, a), rb = Find(parent, b);
            if (ra != rb)
            {
                parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
            }

            int root = Find(parent, a);
            minScore[root] = Math.Min(minScore[root], Math.Min(score, Math.Min(minScore[ra], minScore[rb])));
        }

        var components = new Dictionary<int, List<int>>();
        for (int n = 0; n < nodes; n++)
        {
            int root = Find(parent, n);
            if (!components.TryGetValue(root, out var list))
            {
                components[root] = list = [];
            }

            list.Add(n);
        }

        var groups = new List<DuplicateGroup>();
        foreach (var (root, list) in components.OrderBy(c => c.Key))
        {
            if (list.Count > 1)
            {
                var paths = list.SelectMany(pathsOf).Order(StringComparer.Ordinal).ToList();
                groups.Add(new DuplicateGroup(DuplicateKind.Near, paths, minScore[root]));
            }
        }

        return groups;
    }

    private static int Find(int[] parent, int x)
    {
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }

        return x;
    }
}

/// <summary>Finds exact (hash) and near (cosine, union-find) duplicates in a snapshot.</summary>
internal static class DuplicateFinder
{
    private const int HnswNeighbours = 32;

    public static List<DuplicateGroup> Find(VectorSnapshot s, float threshold, HnswIndex? hnsw, CancellationToken cancellationToken)
    {
        var groups = new List<DuplicateGroup>();

        // Exact: same content hash. Each hash group becomes one node of the near graph.
        var node = new int[s.Count];
        var byHash = new Dictionary<string, int>(StringComparer.Ordinal);
        var representatives = new List<int>();
        var members = new List<List<int>>();
        for (int row = 0; row < s.Count; row++)
        {
            if (!byHash.TryGetValue(s.Sha256[row], out int n))
            {
                n = representatives.Count;
                byHash.Add(s.Sha256[row], n);
                representatives.Add(row);
                members.Add([]);
            }

            node[row] = n;
            members[n].Add(row);
        }

        foreach (var m in members.Where(m => m.Count > 1))
        {
            groups.Add(new DuplicateGroup(DuplicateKind.Exact, m.Select(r => s.Paths[r]).ToList(), 1f));
        }

        // Near: pairs of distinct contents with cosine ≥ threshold, joined transitively.
        var pairs = new List<(int A, int B, float Score)>();
        var gate = new Lock();
        Parallel.For(0, representatives.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            int row = representatives[i];
            ReadOnlySpan<float> v = s.ReadRow(row, new float[s.Dimension]);
            var scorer = s.Scorer(v);
            var local = new List<(int, int, float)>();
            if (hnsw is null)
            {
                for (int j = i + 1; j < representatives.Count; j++)
                {
                    float score = scorer.Score(representatives[j]);
                    if (score >= threshold)
                    {
                        local.Add((i, j, score));
                    }
                }
            }
            else
            {
                foreach (long id in hnsw.Search(v, HnswNeighbours))
                {
                    int other = s.RowOfId(id);
                    int j = other < 0 ? -1 : node[other];
                    if (j > i)
                    {
                        float score = scorer.Score(other);
                        if (score >= threshold)
                        {
                            local.Add((i, j, score));
                        }
                    }
                }
            }

            if (local.Count > 0)
            {
                lock (gate)
                {
                    pairs.AddRange(local);
                }
            }
        });

        groups.AddRange(DuplicateGrouping.Near(representatives.Count, pairs, n => members[n].Select(r => s.Paths[r])));
        return groups;
    }
}
