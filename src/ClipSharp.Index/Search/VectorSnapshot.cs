using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ClipSharp.Index;

/// <summary>
/// The current vectors of an index as one row-major matrix, rows in path order, for a given generation. The matrix
/// holds the vectors as they are stored: float32, or float16 (half the memory; rows are widened to float32 a block at
/// a time when they are scored).
/// </summary>
internal sealed class VectorSnapshot
{
    private readonly Lazy<Dictionary<long, int>> _rowOfId;
    private float[]? _single;
    private Half[]? _half;

    public VectorSnapshot(long generation, string vectorKey, int dimension, int count, VectorPrecision precision = VectorPrecision.Float32)
    {
        Generation = generation;
        VectorKey = vectorKey;
        Dimension = dimension;
        Count = count;
        Precision = precision;
        Ids = new long[count];
        Paths = new string[count];
        Sha256 = new string[count];
        TakenAt = new DateTime?[count];
        Sizes = new long[count];
        ModifiedUtc = new DateTime[count];
        RowGeneration = new long[count];
        if (precision == VectorPrecision.Float16)
        {
            _half = new Half[(long)count * dimension];
        }
        else
        {
            _single = new float[(long)count * dimension];
        }

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

    public long Generation { get; }

    public string VectorKey { get; }

    public int Dimension { get; }

    public int Count { get; private set; }

    /// <summary>How the rows are held.</summary>
    public VectorPrecision Precision { get; }

    public long[] Ids { get; private set; }

    public string[] Paths { get; private set; }

    public string[] Sha256 { get; private set; }

    public DateTime?[] TakenAt { get; private set; }

    /// <summary>Each row's file size in bytes when indexed.</summary>
    public long[] Sizes { get; private set; }

    /// <summary>Each row's file modification time (UTC) when indexed.</summary>
    public DateTime[] ModifiedUtc { get; private set; }

    /// <summary>The store generation that last wrote each row (a row newer than a graph must be re-added to it).</summary>
    public long[] RowGeneration { get; private set; }

    /// <summary>The float32 matrix (count × dimension); only for a <see cref="VectorPrecision.Float32"/> snapshot.</summary>
    public float[] Matrix => _single ?? throw new InvalidOperationException("The snapshot holds float16 vectors.");

    /// <summary>The float16 matrix (count × dimension); only for a <see cref="VectorPrecision.Float16"/> snapshot.</summary>
    public Half[] HalfMatrix => _half ?? throw new InvalidOperationException("The snapshot holds float32 vectors.");

    /// <summary>Bytes the vectors take in memory.</summary>
    public long VectorBytes => _half is not null ? (long)_half.Length * 2 : (long)_single!.Length * sizeof(float);

    /// <summary>The row of a file id, or -1.</summary>
    public int RowOfId(long id) => _rowOfId.Value.TryGetValue(id, out int row) ? row : -1;

    /// <summary>Stores one row from its stored bytes (float32 or float16 little-endian, as <see cref="Precision"/> says).</summary>
    /// <returns>False when <paramref name="stored"/> has the wrong length.</returns>
    public bool SetRow(int row, ReadOnlySpan<byte> stored)
    {
        if (stored.Length != Dimension * StoredBytesPerValue(Precision))
        {
            return false;
        }

        if (_half is not null)
        {
            MemoryMarshal.Cast<byte, Half>(stored).CopyTo(_half.AsSpan(row * Dimension, Dimension));
        }
        else
        {
            MemoryMarshal.Cast<byte, float>(stored).CopyTo(_single.AsSpan(row * Dimension, Dimension));
        }

        return true;
    }

    /// <summary>
    /// One row as float32: a view of the matrix, or (float16) the row widened into <paramref name="scratch"/>, which
    /// must hold <see cref="Dimension"/> values.
    /// </summary>
    public ReadOnlySpan<float> ReadRow(int row, Span<float> scratch)
    {
        if (_half is null)
        {
            return _single.AsSpan(row * Dimension, Dimension);
        }

        var target = scratch[..Dimension];
        TensorPrimitives.ConvertToSingle(_half.AsSpan(row * Dimension, Dimension), target);
        return target;
    }

    /// <summary>Copies one row, as float32, into <paramref name="destination"/>.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if (_half is null)
        {
            _single.AsSpan(row * Dimension, Dimension).CopyTo(destination);
        }
        else
        {
            TensorPrimitives.ConvertToSingle(_half.AsSpan(row * Dimension, Dimension), destination[..Dimension]);
        }
    }

    /// <summary>
    /// Scores rows against <paramref name="query"/>: dot products, the cosine for normalised vectors. Make one per query
    /// and reuse it: for float16 rows it holds the query pre-scaled for <see cref="HalfDot"/>.
    /// </summary>
    public QueryScorer Scorer(ReadOnlySpan<float> query) => new(this, query.ToArray());

    /// <summary>Scores rows of one snapshot against one query.</summary>
    public readonly struct QueryScorer
    {
        private readonly VectorSnapshot _snapshot;
        private readonly float[] _query;
        private readonly float[]? _scaledQuery;

        internal QueryScorer(VectorSnapshot snapshot, float[] query)
        {
            _snapshot = snapshot;
            _query = query;
            _scaledQuery = snapshot._half is null ? null : HalfDot.ScaleQuery(query);
        }

        /// <summary>The dot product of row <paramref name="row"/> with the query.</summary>
        public float Score(int row)
        {
            int dim = _snapshot.Dimension;
            return _scaledQuery is null
                ? TensorPrimitives.Dot(_snapshot._single.AsSpan(row * dim, dim), _query)
                : HalfDot.Dot(_snapshot._half.AsSpan(row * dim, dim), _query, _scaledQuery);
        }
    }

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
        Sizes = Sizes[..count];
        ModifiedUtc = ModifiedUtc[..count];
        RowGeneration = RowGeneration[..count];
        if (_half is not null)
        {
            _half = _half[..(count * Dimension)];
        }
        else
        {
            _single = _single![..(count * Dimension)];
        }
    }

    /// <summary>Bytes one stored value takes.</summary>
    public static int StoredBytesPerValue(VectorPrecision precision) => precision == VectorPrecision.Float16 ? 2 : sizeof(float);

    /// <summary>A snapshot built from arrays (tests, benchmarks); float16 rounds the values.</summary>
    public static VectorSnapshot FromMatrix(float[] matrix, int dimension, string[]? paths = null, VectorPrecision precision = VectorPrecision.Float32)
    {
        int n = matrix.Length / dimension;
        var s = new VectorSnapshot(0, "", dimension, n, precision);
        if (precision == VectorPrecision.Float16)
        {
            TensorPrimitives.ConvertToHalf(matrix, s.HalfMatrix);
        }
        else
        {
            matrix.CopyTo(s.Matrix, 0);
        }

        for (int i = 0; i < n; i++)
        {
            s.Ids[i] = i + 1;
            s.Paths[i] = paths?[i] ?? i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
            s.Sha256[i] = s.Paths[i];
        }

        return s;
    }
}
