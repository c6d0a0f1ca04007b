using ClipSharp.Imaging;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ClipSharp.Index;

/// <summary>One term of a query: a text or an image file, with a signed weight.</summary>
/// <param name="Weight">Signed weight (a term after "-" is negative).</param>
/// <param name="Text">The text, or the image path.</param>
/// <param name="IsImage">True when <paramref name="Text"/> is an image file path (expanded), embedded as an image.</param>
public sealed record QueryTerm(float Weight, string Text, bool IsImage);

/// <summary>
/// Query arithmetic: <c>"dog + beach - night"</c>, weights <c>"(sunset boat):2 + fog"</c>, and image files as terms.
/// Operators are a "+" or "-" standing alone between spaces, so "t-shirt" stays one word. The query vector is
/// Σ weight · normalise(embedding(term)), normalised again.
/// <para>
/// Whether a term is an image is decided by its syntax, never by what happens to exist: <c>image:PATH</c>, or a term
/// that looks like a path — it contains "/" or "\" (so "./x" and "../x" too), starts with "~" (the home folder), or ends with an image
/// extension (.jpg, .png, …). <c>text:…</c> makes any term text. An image term whose file does not exist is an error
/// naming it. A weight is written only as <c>(term):W</c>, a form a sentence does not take by accident.
/// </para>
/// </summary>
public static partial class SearchQuery
{
    /// <summary>
    /// Splits a query into terms. <paramref name="fileExists"/> checks image terms (default <see cref="File.Exists"/>);
    /// <paramref name="homeFolder"/> is what a leading "~" stands for (default: the user's profile folder).
    /// </summary>
    /// <exception cref="ClipSharpException">The query is empty, has an operator without a term or a bad weight, or names an image file that does not exist.</exception>
    public static IReadOnlyList<QueryTerm> Parse(string query, Func<string, bool>? fileExists = null, string? homeFolder = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        fileExists ??= File.Exists;
        if (query.Trim().Length == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "the query is empty", null);
        }

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
            if (m.Success)
            {
                if (!float.TryParse(m.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !float.IsFinite(weight) || m.Groups[1].Value.Trim().Length == 0)
                {
                    throw new ClipSharpException(ClipErrorKind.InvalidInput, $"bad weighted term \"{text}\": write (TERM):WEIGHT, e.g. (sunset):1.5", query);
                }

                text = m.Groups[1].Value.Trim();
            }

            terms.Add(Term(sign * weight, text, fileExists, homeFolder, query));
            sign = 1;
        }

        if (terms.Count == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "the query is empty", query);
        }

        return terms;
    }

    /// <summary>True when <paramref name="term"/> is read as an image path (without a prefix): see the class remarks.</summary>
    public static bool LooksLikePath(string term)
    {
        ArgumentNullException.ThrowIfNull(term);
        return term.Contains('/', StringComparison.Ordinal) || term.Contains('\\', StringComparison.Ordinal)
            || term.StartsWith('~') || ImageProbe.HasImageExtension(term);
    }

    private static QueryTerm Term(float weight, string text, Func<string, bool> fileExists, string? homeFolder, string query)
    {
        if (text.StartsWith(TextPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string plain = text[TextPrefix.Length..].Trim();
            return plain.Length > 0 ? new QueryTerm(weight, plain, false) : throw new ClipSharpException(ClipErrorKind.InvalidInput, "\"text:\" has no text after it", query);
        }

        bool prefixed = text.StartsWith(ImagePrefix, StringComparison.OrdinalIgnoreCase);
        if (!prefixed && !LooksLikePath(text))
        {
            return new QueryTerm(weight, text, false);
        }

        string path = prefixed ? text[ImagePrefix.Length..].Trim() : text;
        if (path.Length == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "\"image:\" has no path after it", query);
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            path = System.IO.Path.Join(homeFolder ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..]);
        }

        if (!fileExists(path))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"no such image file (a term with a / or \\, a leading ~, or an image extension is an image path; write text:{text} to search it as text)", path);
        }

        return new QueryTerm(weight, path, true);
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
    /// <exception cref="ClipSharpException">The terms cancel out (the combined vector is zero).</exception>
    public static float[] Combine(IReadOnlyList<float> weights, IReadOnlyList<float[]> vectors, string? describe = null)
        => TryCombine(weights, vectors)
           ?? throw new ClipSharpException(ClipErrorKind.InvalidInput, "the query terms cancel out (the combined vector is zero)", describe);

    /// <summary>
    /// The one weighted combination of query terms (the command line's query arithmetic and the HTTP search's terms):
    /// Σ weight · normalise(vector), normalised; null when the terms cancel out. Only the weights' ratios matter, so
    /// they are scaled by the largest first (then no finite weight overflows the sum).
    /// </summary>
    /// <param name="weights">One finite weight per vector (negative subtracts).</param>
    /// <param name="vectors">The terms' embeddings, all of one width; each is normalised before it is weighted.</param>
    public static float[]? TryCombine(IReadOnlyList<float> weights, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0 || weights.Count != vectors.Count)
        {
            throw new ArgumentException("One weight per vector, at least one vector.", nameof(weights));
        }

        float largest = weights.Max(Math.Abs);
        float[] sum = new float[vectors[0].Length];
        if (!(largest > 0))
        {
            return null;
        }

        float[] unit = new float[sum.Length];
        for (int i = 0; i < vectors.Count; i++)
        {
            if (vectors[i].Length != sum.Length)
            {
                throw new ArgumentException($"Vector {i} has {vectors[i].Length} values, not {sum.Length}.", nameof(vectors));
            }

            vectors[i].CopyTo(unit, 0);
            ClipMath.Normalize(unit);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(unit, weights[i] / largest, sum, sum);
        }

        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(sum);
        if (!(norm > 1e-6f))
        {
            return null;
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    [GeneratedRegex(@"(?<=\s)([+-])(?=\s)")]
    private static partial Regex Operator();

    private const string ImagePrefix = "image:";
    private const string TextPrefix = "text:";

    [GeneratedRegex(@"^\((.*)\)\s*:\s*(\S+)$")]
    private static partial Regex Weighted();
}
