using System.Globalization;
using System.Text.RegularExpressions;

namespace ClipSharp.Index;

/// <summary>One term of a query: a text or an image file, with a signed weight.</summary>
/// <param name="Weight">Signed weight (a term after "-" is negative).</param>
/// <param name="Text">The text, or the image path.</param>
/// <param name="IsImage">True when <paramref name="Text"/> is an existing image file, embedded as an image.</param>
public sealed record QueryTerm(float Weight, string Text, bool IsImage);

/// <summary>
/// Query arithmetic: <c>"dog + beach - night"</c>, weights <c>"2:sunset + boat"</c>, and existing image paths as
/// terms. Operators are a "+" or "-" standing alone between spaces, so "t-shirt" stays one word. The query vector
/// is Σ weight · normalise(embedding(term)), normalised again.
/// </summary>
public static partial class SearchQuery
{
    /// <summary>Splits a query into terms; <paramref name="isImageFile"/> decides which terms are image paths (default: existing files).</summary>
    /// <exception cref="ClipSharpException">The query is empty, or has an operator without a term or a bad weight.</exception>
    public static IReadOnlyList<QueryTerm> Parse(string query, Func<string, bool>? isImageFile = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        isImageFile ??= File.Exists;
        var terms = new List<QueryTerm>();
        string[] tokens = Operator().Split(" " + query.Trim() + " ");
        // Split with a capture group: [text, op, text, op, …]; a leading operator leaves an empty first text.
        float sign = 1;
        for (int i = 0; i < tokens.Length; i++)
        {
            string token = tokens[i];
            if (i % 2 == 1)
            {
                sign = token.Trim() == "-" ? -1 : 1;
                continue;
            }

            string text = token.Trim();
            if (text.Length == 0)
            {
                if (i == 0 && tokens.Length > 1)
                {
                    continue;
                }

                throw new ClipSharpException(ClipErrorKind.InvalidInput, "an operator has no term after it", query);
            }

            float weight = 1;
            var m = Weighted().Match(text);
            if (m.Success && !isImageFile(text))
            {
                weight = float.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                text = m.Groups[2].Value.Trim();
                if (!float.IsFinite(weight) || text.Length == 0)
                {
                    throw new ClipSharpException(ClipErrorKind.InvalidInput, $"bad weighted term \"{token.Trim()}\"", query);
                }
            }

            terms.Add(new QueryTerm(sign * weight, text, isImageFile(text)));
            sign = 1;
        }

        if (terms.Count == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "the query is empty", query);
        }

        return terms;
    }

    /// <summary>Embeds the terms and combines them into one normalised query vector.</summary>
    /// <exception cref="ClipSharpException">An image term failed, or the terms cancel out.</exception>
    public static float[] Embed(IReadOnlyList<QueryTerm> terms, IClipEmbedder embedder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(embedder);
        var texts = terms.Where(t => !t.IsImage).Select(t => t.Text).ToList();
        var images = terms.Where(t => t.IsImage).Select(t => t.Text).ToList();
        var textVectors = texts.Count > 0 ? embedder.EmbedTexts(texts) : [];
        var imageResults = images.Count > 0 ? embedder.EmbedImageFiles(images, cancellationToken) : [];
        int ti = 0, ii = 0;
        var vectors = new List<float[]>();
        foreach (var term in terms)
        {
            if (term.IsImage)
            {
                var r = imageResults[ii++];
                vectors.Add(r.Embedding ?? throw r.Error!);
            }
            else
            {
                vectors.Add(textVectors[ti++]);
            }
        }

        return Combine(terms.Select(t => t.Weight).ToList(), vectors, string.Join(" ", terms.Select(t => t.Text)));
    }

    /// <summary>Σ weight · normalise(vector), normalised.</summary>
    public static float[] Combine(IReadOnlyList<float> weights, IReadOnlyList<float[]> vectors, string? describe = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(vectors);
        float[] sum = new float[vectors[0].Length];
        float[] unit = new float[sum.Length];
        for (int i = 0; i < vectors.Count; i++)
        {
            vectors[i].CopyTo(unit, 0);
            ClipMath.Normalize(unit);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(unit, weights[i], sum, sum);
        }

        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(sum);
        if (!(norm > 1e-6f))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "the query terms cancel out (the combined vector is zero)", describe);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    [GeneratedRegex(@"(?<=\s)([+-])(?=\s)")]
    private static partial Regex Operator();

    [GeneratedRegex(@"^([0-9]*\.?[0-9]+)\s*:\s*(.+)$")]
    private static partial Regex Weighted();
}
