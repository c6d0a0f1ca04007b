using System.Numerics.Tensors;

namespace ClipSharp.Evaluation;

/// <summary>Recall at 1, 5 and 10 in both directions, as in the CLIP paper's Flickr30k/COCO tables.</summary>
/// <param name="Images">Images evaluated.</param>
/// <param name="Captions">Captions evaluated.</param>
/// <param name="TextToImage">Recall@1, @5, @10 of finding a caption's image.</param>
/// <param name="ImageToText">Recall@1, @5, @10 of finding any of an image's captions.</param>
/// <param name="Failed">Images that could not be loaded (their captions are left out).</param>
public sealed record RetrievalReport(int Images, int Captions, IReadOnlyList<double> TextToImage, IReadOnlyList<double> ImageToText, IReadOnlyList<EvaluationFailure> Failed)
{
    /// <summary>The K of each recall value.</summary>
    public static IReadOnlyList<int> Ks { get; } = [1, 5, 10];
}

/// <summary>Text↔image retrieval on a captions dataset (rows of file, caption; an image may have several captions).</summary>
public static class RetrievalEvaluator
{
    /// <summary>Evaluates retrieval; <paramref name="cachePath"/> caches image embeddings between runs.</summary>
    public static RetrievalReport Evaluate(ClipModel model, IReadOnlyList<LabeledImage> captions, string? cachePath = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(captions);
        string[] images = captions.Select(c => c.Path).Distinct(StringComparer.Ordinal).ToArray();
        var (embeddings, failed, _, _) = ZeroShotEvaluator.EmbedImages(model, images, cachePath, progress, cancellationToken);
        var imageIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var imageVectors = new List<float[]>();
        for (int i = 0; i < images.Length; i++)
        {
            if (embeddings[i] is { } v)
            {
                imageIndex[images[i]] = imageVectors.Count;
                imageVectors.Add(v);
            }
        }

        var kept = captions.Where(c => imageIndex.ContainsKey(c.Path)).ToArray();
        float[][] texts = model.EncodeTexts(kept.Select(c => c.Label).ToArray());
        int[] owner = kept.Select(c => imageIndex[c.Path]).ToArray();
        var (t2i, i2t) = Recall(imageVectors.ToArray(), texts, owner, RetrievalReport.Ks);
        return new RetrievalReport(imageVectors.Count, kept.Length, t2i, i2t, failed);
    }

    /// <summary>Recall@K both ways for normalised vectors; <paramref name="owner"/>[t] is the image of text t.</summary>
    internal static (double[] TextToImage, double[] ImageToText) Recall(float[][] images, float[][] texts, int[] owner, IReadOnlyList<int> ks)
    {
        var t2i = new double[ks.Count];
        var i2t = new double[ks.Count];
        float[] sims = new float[images.Length];
        for (int t = 0; t < texts.Length; t++)
        {
            for (int i = 0; i < images.Length; i++)
            {
                sims[i] = TensorPrimitives.Dot(texts[t], images[i]);
            }

            int rank = RankOf(sims, owner[t]);
            for (int k = 0; k < ks.Count; k++)
            {
                t2i[k] += rank < ks[k] ? 1 : 0;
            }
        }

        float[] textSims = new float[texts.Length];
        for (int i = 0; i < images.Length; i++)
        {
            for (int t = 0; t < texts.Length; t++)
            {
                textSims[t] = TensorPrimitives.Dot(images[i], texts[t]);
            }

            int best = int.MaxValue;
            for (int t = 0; t < texts.Length; t++)
            {
                if (owner[t] == i)
                {
                    best = Math.Min(best, RankOf(textSims, t));
                }
            }

            for (int k = 0; k < ks.Count; k++)
            {
                i2t[k] += best < ks[k] ? 1 : 0;
            }
        }

        for (int k = 0; k < ks.Count; k++)
        {
            t2i[k] = texts.Length == 0 ? double.NaN : t2i[k] / texts.Length;
            i2t[k] = images.Length == 0 ? double.NaN : i2t[k] / images.Length;
        }

        return (t2i, i2t);
    }

    /// <summary>0-based rank of <paramref name="target"/> when sorted by descending score (ties: lower index first).</summary>
    private static int RankOf(float[] scores, int target)
    {
        int rank = 0;
        for (int j = 0; j < scores.Length; j++)
        {
            if (scores[j] > scores[target] || (scores[j] == scores[target] && j < target))
            {
                rank++;
            }
        }

        return rank;
    }
}
