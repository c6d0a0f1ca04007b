using ClipSharp.Tests;

namespace ClipSharp.Index.Tests;

/// <summary>
/// A backend the conformance suite runs against: opens named indexes (the same name opens the same index again,
/// as a second, independent instance — another process would do the same) and cleans them all up on dispose.
/// </summary>
public abstract class IndexBackend : IAsyncDisposable
{
    /// <summary>For messages.</summary>
    public abstract string Name { get; }

    /// <summary>Opens (creating) the index called <paramref name="name"/>; HNSW is used from <paramref name="hnswThreshold"/> vectors on.</summary>
    public abstract Task<IPhotoIndex> OpenAsync(string name = "index", int? hnswThreshold = null);

    /// <summary>The store string that opens the same index in another process (the crash helper).</summary>
    public abstract string StoreString(string name);

    /// <summary>How the last search of <paramref name="index"/> was answered.</summary>
    public abstract SearchMethod LastMethod(IPhotoIndex index);

    /// <summary>Backend-specific soundness check after crashes; "ok" when sound.</summary>
    public abstract Task<string> CheckIntegrityAsync(IPhotoIndex index);

    /// <summary>A vector as the backend stores it (rounded, for half-precision storage); what reads and scores see.</summary>
    public virtual float[] AsStored(float[] vector) => vector;

    /// <summary>
    /// The most the storage's rounding can move the cosine of unit vectors: 0, or 2⁻¹¹ for float16 (each value moves by at
    /// most that share of itself, and Σ|qᵢvᵢ| ≤ 1).
    /// </summary>
    public virtual double StorageScoreError => 0;

    /// <summary>Deletes every index this backend opened.</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>Rounds every value to float16 and back.</summary>
    public static float[] RoundToHalf(float[] vector)
    {
        var half = new Half[vector.Length];
        var result = new float[vector.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(vector, half);
        System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(half, result);
        return result;
    }
}

/// <summary>The embedded backend: each index a folder under one temporary folder, its vectors stored at <paramref name="vectors"/>.</summary>
public sealed class SqliteBackend(VectorPrecision vectors = VectorPrecision.Float32) : IndexBackend
{
    private readonly TempFolder _temp = new();

    /// <inheritdoc/>
    public override string Name => vectors == VectorPrecision.Float16 ? "sqlite-float16" : "sqlite";

    /// <inheritdoc/>
    public override Task<IPhotoIndex> OpenAsync(string name = "index", int? hnswThreshold = null)
        => Task.FromResult<IPhotoIndex>(PhotoIndex.Open(StoreString(name), new PhotoIndexOptions
        {
            Hnsw = hnswThreshold is { } t ? new HnswOptions { Threshold = t } : new HnswOptions(),
            Vectors = vectors,
        }));

    /// <inheritdoc/>
    public override float[] AsStored(float[] vector) => vectors == VectorPrecision.Float16 ? RoundToHalf(vector) : vector;

    /// <inheritdoc/>
    public override double StorageScoreError => vectors == VectorPrecision.Float16 ? 1.0 / 2048 : 0;

    /// <inheritdoc/>
    public override string StoreString(string name) => _temp.Sub(name);

    /// <inheritdoc/>
    public override SearchMethod LastMethod(IPhotoIndex index) => ((PhotoIndex)index).LastMethod;

    /// <inheritdoc/>
    public override Task<string> CheckIntegrityAsync(IPhotoIndex index) => ((PhotoIndex)index).Store.CheckIntegrityAsync();

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }
}
