namespace ClipSharp.Index;

/// <summary>
/// Exact top-k by cosine (dot products of normalised vectors) over a <see cref="VectorSnapshot"/>: the rows are
/// split across threads, each scans its blocks with SIMD dot products into a bounded heap, and the heaps are merged.
/// Ties are broken by row (path order), so results are deterministic.
/// </summary>
internal static class ExactSearch
{
    private const int MinRowsPerThread = 4096;

    public static List<(int Row, float Score)> TopK(VectorSnapshot snapshot, ReadOnlySpan<float> query, int k, float minScore = float.NegativeInfinity, Func<int, bool>? filter = null)
    {
        int dim = snapshot.Dimension, count = snapshot.Count;
        if (query.Length != dim)
        {
            throw new ArgumentException($"The query has {query.Length} values; the index holds vectors of {dim}.", nameof(query));
        }

        if (k <= 0 || count == 0)
        {
            return [];
        }

        int threads = Math.Clamp(count / MinRowsPerThread, 1, Environment.ProcessorCount);
        float[] q = query.ToArray();
        var partials = new List<(int Row, float Score)>[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int start = (int)((long)count * t / threads);
            int end = (int)((long)count * (t + 1) / threads);
            partials[t] = Scan(snapshot, start, end, q, k, minScore, filter);
        });

        var merged = new List<(int Row, float Score)>(k * threads);
        foreach (var p in partials)
        {
            merged.AddRange(p);
        }

        merged.Sort(Compare);
        if (merged.Count > k)
        {
            merged.RemoveRange(k, merged.Count - k);
        }

        return merged;
    }

    /// <summary>Better first: higher score, then lower row.</summary>
    public static int Compare((int Row, float Score) a, (int Row, float Score) b)
    {
        int c = b.Score.CompareTo(a.Score);
        return c != 0 ? c : a.Row.CompareTo(b.Row);
    }

    private static List<(int Row, float Score)> Scan(VectorSnapshot snapshot, int start, int end, float[] query, int k, float minScore, Func<int, bool>? filter)
    {
        // Min-heap of the k best so far: the root is the worst kept (lowest score, then highest row).
        var heap = new PriorityQueue<int, (float Score, int Row)>(k + 1, WorstFirst.Instance);
        const int Block = 256;
        Span<float> scores = stackalloc float[Block];
        var scorer = snapshot.Scorer(query);
        for (int blockStart = start; blockStart < end; blockStart += Block)
        {
            int blockEnd = Math.Min(end, blockStart + Block);
            for (int r = blockStart; r < blockEnd; r++)
            {
                scores[r - blockStart] = scorer.Score(r);
            }

            for (int r = blockStart; r < blockEnd; r++)
            {
                float s = scores[r - blockStart];
                if (!(s >= minScore))
                {
                    continue;
                }

                if (heap.Count == k)
                {
                    heap.TryPeek(out _, out var worst);
                    if (s < worst.Score || (s == worst.Score && r > worst.Row))
                    {
                        continue;
                    }
                }

                if (filter is not null && !filter(r))
                {
                    continue;
                }

                heap.Enqueue(r, (s, r));
                if (heap.Count > k)
                {
                    heap.Dequeue();
                }
            }
        }

        var result = new List<(int Row, float Score)>(heap.Count);
        while (heap.TryDequeue(out int row, out var p))
        {
            result.Add((row, p.Score));
        }

        return result;
    }

    private sealed class WorstFirst : IComparer<(float Score, int Row)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, int Row) x, (float Score, int Row) y)
        {
            int c = x.Score.CompareTo(y.Score);
            return c != 0 ? c : y.Row.CompareTo(x.Row);
        }
    }
}
