namespace ClipSharp.Index;

/// <summary>How the embedded index stores and holds its vectors.</summary>
public enum VectorPrecision
{
    /// <summary>4 bytes per value: the embeddings as the model computed them.</summary>
    Float32,

    /// <summary>
    /// 2 bytes per value: half the disk and memory. Each value is rounded to float16 (relative error ≤ 2⁻¹¹), which
    /// moves the cosine of unit vectors by at most 2⁻¹¹ and by about 1e-5 on average; rankings change only between
    /// near ties.
    /// </summary>
    Float16,
}
