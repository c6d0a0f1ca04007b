using System.Numerics.Tensors;

namespace ClipSharp;

/// <summary>Vector maths on embeddings.</summary>
public static class ClipMath
{
    /// <summary>Cosine similarity of two vectors of equal length.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);

    /// <summary>Scales <paramref name="vector"/> to unit L2 norm in place.</summary>
    /// <exception cref="ArgumentException">The vector is zero or not finite.</exception>
    public static void Normalize(Span<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (!(norm > 0) || !float.IsFinite(norm))
        {
            throw new ArgumentException("Cannot normalise a zero or non-finite vector.", nameof(vector));
        }

        TensorPrimitives.Divide(vector, norm, vector);
    }

    /// <summary>
    /// softmax(scale · x) into <paramref name="destination"/>, computed in double precision with the maximum
    /// subtracted first, as PyTorch does.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> values, float scale, Span<float> destination)
    {
        if (destination.Length < values.Length)
        {
            throw new ArgumentException("Destination is too short.", nameof(destination));
        }

        if (values.IsEmpty)
        {
            return;
        }

        double max = double.NegativeInfinity;
        foreach (float v in values)
        {
            max = Math.Max(max, (double)scale * v);
        }

        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += Math.Exp(((double)scale * values[i]) - max);
        }

        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = (float)(Math.Exp(((double)scale * values[i]) - max) / sum);
        }
    }
}
