using System.Numerics.Tensors;

namespace ClipSharp.Evaluation;

/// <summary>Options for <see cref="ZeroShotEvaluator"/>.</summary>
public sealed class ZeroShotEvaluationOptions
{
    /// <summary>Prompt templates (one, or an ensemble); default <see cref="PromptTemplates.Default"/>.</summary>
    public IReadOnlyList<string> Templates { get; set; } = [PromptTemplates.Default];

    /// <summary>Class names in class-index order; null takes the dataset's labels, sorted ordinally.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>A file caching image embeddings between runs (per model); null caches nothing.</summary>
    public string? CachePath { get; set; }

    /// <summary>Receives the number of images done so far (embedded or from the cache) and the total.</summary>
    public IProgress<(int Done, int Total)>? Progress { get; set; }
}

/// <summary>Accuracy for one class.</summary>
/// <param name="Class">The class name.</param>
/// <param name="Count">Evaluated images of this class.</param>
/// <param name="Top1Correct">Images whose best prediction is this class.</param>
/// <param name="Top5Correct">Images with this class among the five best predictions.</param>
public sealed record ClassAccuracy(string Class, int Count, int Top1Correct, int Top5Correct)
{
    /// <summary>Top-1 accuracy of the class (NaN when it has no images).</summary>
    public double Top1 => Count == 0 ? double.NaN : (double)Top1Correct / Count;

    /// <summary>Top-5 accuracy of the class (NaN when it has no images).</summary>
    public double Top5 => Count == 0 ? double.NaN : (double)Top5Correct / Count;
}

/// <summary>An image that could not be evaluated.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why.</param>
public sealed record EvaluationFailure(string Path, string Reason);

/// <summary>The result of a zero-shot evaluation.</summary>
public sealed class ZeroShotReport
{
    internal ZeroShotReport(IReadOnlyList<string> classes, int evaluated, int top1, int top5, IReadOnlyList<ClassAccuracy> perClass,
        int[][] confusion, IReadOnlyList<EvaluationFailure> failed, int embedded, int cached, int templates)
    {
        Classes = classes;
        Evaluated = evaluated;
        Top1Correct = top1;
        Top5Correct = top5;
        PerClass = perClass;
        Confusion = confusion;
        Failed = failed;
        EmbeddedImages = embedded;
        CachedImages = cached;
        TemplateCount = templates;
    }

    /// <summary>Class names, in index order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Images evaluated (failures excluded).</summary>
    public int Evaluated { get; }

    /// <summary>Images whose best prediction is right.</summary>
    public int Top1Correct { get; }

    /// <summary>Images whose class is among the five best predictions.</summary>
    public int Top5Correct { get; }

    /// <summary>Top-1 accuracy.</summary>
    public double Top1 => Evaluated == 0 ? double.NaN : (double)Top1Correct / Evaluated;

    /// <summary>Top-5 accuracy.</summary>
    public double Top5 => Evaluated == 0 ? double.NaN : (double)Top5Correct / Evaluated;

    /// <summary>Per-class accuracy, in class order.</summary>
    public IReadOnlyList<ClassAccuracy> PerClass { get; }

    /// <summary>Confusion[true class][predicted class] counts.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Confusion { get; }

    /// <summary>Images that failed to load, with reasons.</summary>
    public IReadOnlyList<EvaluationFailure> Failed { get; }

    /// <summary>Images embedded in this run.</summary>
    public int EmbeddedImages { get; }

    /// <summary>Images whose embeddings came from the cache.</summary>
    public int CachedImages { get; }

    /// <summary>Templates per class.</summary>
    public int TemplateCount { get; }
}

/// <summary>
/// Zero-shot classification accuracy on a labelled image dataset, as in the CLIP paper: each class is the (ensembled)
/// text embedding of its prompts; an image is predicted as the class of highest cosine; top-1, top-5, per class and a
/// confusion matrix are reported.
/// </summary>
public static class ZeroShotEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <exception cref="ClipSharpException">A dataset label is not among the class names.</exception>
    public static ZeroShotReport Evaluate(ClipModel model, IReadOnlyList<LabeledImage> data, ZeroShotEvaluationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ZeroShotEvaluationOptions();
        IReadOnlyList<string> classes = options.ClassNames ?? data.Select(d => d.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++)
        {
            if (!index.TryAdd(classes[i], i))
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"class '{classes[i]}' is listed twice");
            }
        }

        string[] unknown = data.Select(d => d.Label).Where(l => !index.ContainsKey(l)).Distinct(StringComparer.Ordinal).Take(5).ToArray();
        if (unknown.Length > 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"dataset labels missing from the class list: {string.Join(", ", unknown.Select(u => "'" + u + "'"))}");
        }

        var classifier = ZeroShotClassifier.Create(model, classes, new ZeroShotOptions { Templates = options.Templates });
        int dim = model.EmbeddingDimension;
        float[] classMatrix = new float[classes.Count * dim];
        for (int c = 0; c < classes.Count; c++)
        {
            classifier.ClassEmbedding(c).CopyTo(classMatrix.AsSpan(c * dim, dim));
        }

        var (embeddings, failed, embedded, cached) = EmbedImages(model, data.Select(d => d.Path).ToArray(), options.CachePath, options.Progress, cancellationToken);
        var good = new List<(float[] Vector, int Label)>(data.Count);
        for (int i = 0; i < data.Count; i++)
        {
            if (embeddings[i] is { } v)
            {
                good.Add((v, index[data[i].Label]));
            }
        }

        var scored = Score(good.Select(g => g.Vector).ToArray(), classMatrix, classes.Count, good.Select(g => g.Label).ToArray());
        var perClass = new ClassAccuracy[classes.Count];
        for (int c = 0; c < classes.Count; c++)
        {
            perClass[c] = new ClassAccuracy(classes[c], scored.Counts[c], scored.Top1PerClass[c], scored.Top5PerClass[c]);
        }

        return new ZeroShotReport(classes, good.Count, scored.Top1PerClass.Sum(), scored.Top5PerClass.Sum(), perClass, scored.Confusion, failed, embedded, cached, options.Templates.Count);
    }

    internal sealed record Scores(int[] Counts, int[] Top1PerClass, int[] Top5PerClass, int[][] Confusion);

    /// <summary>Predictions of normalised image vectors against a [classes, dim] matrix of normalised class vectors.</summary>
    internal static Scores Score(float[][] images, float[] classMatrix, int classCount, int[] labels)
    {
        int dim = classCount == 0 ? 0 : classMatrix.Length / classCount;
        var counts = new int[classCount];
        var top1 = new int[classCount];
        var top5 = new int[classCount];
        var confusion = new int[classCount][];
        for (int c = 0; c < classCount; c++)
        {
            confusion[c] = new int[classCount];
        }

        float[] sims = new float[classCount];
        for (int i = 0; i < images.Length; i++)
        {
            for (int c = 0; c < classCount; c++)
            {
                sims[c] = TensorPrimitives.Dot(images[i], classMatrix.AsSpan(c * dim, dim));
            }

            int label = labels[i];
            int best = TensorPrimitives.IndexOfMax(sims);
            // Rank of the true class: classes strictly better, plus equal ones listed before it (argmax order).
            int rank = 0;
            for (int c = 0; c < classCount; c++)
            {
                if (sims[c] > sims[label] || (sims[c] == sims[label] && c < label))
                {
                    rank++;
                }
            }

            counts[label]++;
            confusion[label][best]++;
            if (best == label)
            {
                top1[label]++;
            }

            if (rank < 5)
            {
                top5[label]++;
            }
        }

        return new Scores(counts, top1, top5, confusion);
    }

    /// <summary>Embeddings for each path (null when it failed), using and filling the cache.</summary>
    internal static (float[]?[] Embeddings, List<EvaluationFailure> Failed, int Embedded, int Cached) EmbedImages(
        ClipModel model, string[] paths, string? cachePath, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var cache = EmbeddingCache.Open(cachePath, model);
        var result = new float[]?[paths.Length];
        var missing = new List<int>();
        int cached = 0;
        for (int i = 0; i < paths.Length; i++)
        {
            if (cache.TryGet(paths[i], out float[] v))
            {
                result[i] = v;
                cached++;
            }
            else
            {
                missing.Add(i);
            }
        }

        progress?.Report((cached, paths.Length));
        var failed = new List<EvaluationFailure>();
        int done = cached;
        int embedded = 0;
        int k = 0;
        try
        {
            foreach (var r in model.EncodeImageFiles(missing.Select(i => paths[i]), cancellationToken))
            {
                int i = missing[k++];
                if (r.Embedding is { } e)
                {
                    result[i] = e;
                    cache.Add(paths[i], e);
                    embedded++;
                }
                else
                {
                    failed.Add(new EvaluationFailure(paths[i], r.Error!.Detail));
                }

                progress?.Report((++done, paths.Length));
            }
        }
        finally
        {
            cache.Save(); // keep what was embedded even when cancelled
        }

        return (result, failed, embedded, cached);
    }
}
