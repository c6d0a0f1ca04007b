namespace ClipSharp.Index.Tests;

/// <summary>Synthetic unit vectors for the search tests.</summary>
internal static class TestVectors
{
    internal static float[] RandomUnitMatrix(int n, int dim, int seed)
    {
        var random = new Random(seed);
        var m = new float[n * dim];
        for (int i = 0; i < n; i++)
        {
            var row = m.AsSpan(i * dim, dim);
            for (int d = 0; d < dim; d++)
            {
                row[d] = (float)((random.NextDouble() * 2) - 1);
            }

            ClipMath.Normalize(row);
        }

        return m;
    }

    /// <summary>
    /// A Gaussian mixture on the unit sphere shaped like real embeddings: <paramref name="clusters"/> centres; each
    /// cluster's covariance is low-rank (<paramref name="rank"/> random directions, spread <paramref name="spread"/>)
    /// plus a little isotropic noise, since real embeddings vary along few directions per concept. Normalised.
    /// Uniformly random (isotropic) points are HNSW's degenerate worst case and would say nothing about photos.
    /// </summary>
    internal static float[] ClusteredMatrix(int n, int dim, int clusters, int seed, int rank = 8, float spread = 0.35f, float noise = 0.1f)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var centres = new float[clusters * dim];
        var bases = new float[clusters * rank * dim];
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] = (float)Gaussian();
        }

        for (int i = 0; i < bases.Length; i++)
        {
            bases[i] = (float)Gaussian();
        }

        for (int c = 0; c < clusters; c++)
        {
            ClipMath.Normalize(centres.AsSpan(c * dim, dim));
            for (int j = 0; j < rank; j++)
            {
                ClipMath.Normalize(bases.AsSpan(((c * rank) + j) * dim, dim));
            }
        }

        var m = new float[n * dim];
        float uniformScale = noise * MathF.Sqrt(12f / dim); // uniform noise with total norm ≈ noise
        for (int i = 0; i < n; i++)
        {
            int c = random.Next(clusters);
            var row = m.AsSpan(i * dim, dim);
            centres.AsSpan(c * dim, dim).CopyTo(row);
            for (int j = 0; j < rank; j++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(bases.AsSpan(((c * rank) + j) * dim, dim), (float)(spread * Gaussian()), row, row);
            }

            for (int d = 0; d < dim; d++)
            {
                row[d] += (random.NextSingle() - 0.5f) * uniformScale;
            }

            ClipMath.Normalize(row);
        }

        return m;
    }
}
