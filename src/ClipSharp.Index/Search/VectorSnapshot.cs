namespace ClipSharp.Index;

/// <summary>The current vectors of an index as one row-major matrix, rows in path order, for a given generation.</summary>
internal sealed class VectorSnapshot
{
    public VectorSnapshot(long generation, string vectorKey, int dimension, int count)
    {
        Generation = generation;
        VectorKey = vectorKey;
        Dimension = dimension;
        Count = count;
        Ids = new long[count];
        Paths = new string[count];
        Sha256 = new string[count];
        TakenAt = new DateTime?[count];
        RowGeneration = new long[count];
        Matrix = new float[(long)count * dimension];
        _rowOfId = new Lazy<Dictionary<long, int>>(() =>
        {
            var map = new Dictionary<long, int>(Count);
            for (int i = 0; i < Count; i++)
            {
                map[Ids[i]] = i;
            }

            return map;
        });
    }

    private readonly Lazy<Dictionary<long, int>> _rowOfId;

    public long Generation { get; }

    public string VectorKey { get; }

    public int Dimension { get; }

    public int Count { get; private set; }

    public long[] Ids { get; private set; }

    public string[] Paths { get; private set; }

    public string[] Sha256 { get; private set; }

    public DateTime?[] TakenAt { get; private set; }

    /// <summary>The store generation that last wrote each row (a row newer than a graph must be re-added to it).</summary>
    public long[] RowGeneration { get; private set; }

    public float[] Matrix { get; private set; }

    /// <summary>The row of a file id, or -1.</summary>
    public int RowOfId(long id) => _rowOfId.Value.TryGetValue(id, out int row) ? row : -1;

    public Span<float> Row(int row) => Matrix.AsSpan(row * Dimension, Dimension);

    public ReadOnlySpan<float> ReadRow(int row) => Matrix.AsSpan(row * Dimension, Dimension);

    /// <summary>Shrinks to <paramref name="count"/> rows (when fewer rows were read than counted).</summary>
    public void Truncate(int count)
    {
        if (count == Count)
        {
            return;
        }

        Count = count;
        Ids = Ids[..count];
        Paths = Paths[..count];
        Sha256 = Sha256[..count];
        TakenAt = TakenAt[..count];
        RowGeneration = RowGeneration[..count];
        Matrix = Matrix[..(count * Dimension)];
    }

    /// <summary>A snapshot built from arrays (tests, benchmarks).</summary>
    public static VectorSnapshot FromMatrix(float[] matrix, int dimension, string[]? paths = null)
    {
        int n = matrix.Length / dimension;
        var s = new VectorSnapshot(0, "", dimension, n);
        matrix.CopyTo(s.Matrix, 0);
        for (int i = 0; i < n; i++)
        {
            s.Ids[i] = i + 1;
            s.Paths[i] = paths?[i] ?? i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
            s.Sha256[i] = s.Paths[i];
        }

        return s;
    }
}
