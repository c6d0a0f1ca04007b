using System.Numerics.Tensors;
using ClipSharp.Imaging;

namespace ClipSharp;

/// <summary>Options for <see cref="ZeroShotClassifier"/>.</summary>
public sealed class ZeroShotOptions
{
    /// <summary>
    /// Prompt templates with <c>{}</c> for the label. One template (default: <see cref="PromptTemplates.Default"/>)
    /// gives one prompt per label; several form an ensemble: the mean of the normalised prompt embeddings,
    /// renormalised, as in the CLIP paper. <c>"{}"</c> uses each label verbatim.
    /// </summary>
    public IReadOnlyList<string> Templates { get; set; } = [PromptTemplates.Default];

    /// <summary>The softmax scale; null uses the model's <see cref="ClipModel.LogitScale"/>.</summary>
    public float? LogitScale { get; set; }
}

/// <summary>One label's result.</summary>
/// <param name="Label">The label as given.</param>
/// <param name="Prompt">The text embedded for it (for an ensemble: a summary naming the template count).</param>
/// <param name="Score">Cosine similarity of the image and the label's text embedding.</param>
/// <param name="Probability">softmax(scale · cosine) over all labels.</param>
public sealed record LabelScore(string Label, string Prompt, float Score, float Probability);

/// <summary>The result of classifying one image.</summary>
public sealed class ZeroShotResult
{
    internal ZeroShotResult(LabelScore[] scores)
    {
        Scores = scores;
        Ranked = scores.OrderByDescending(s => s.Score).ToArray();
    }

    /// <summary>Per label, in the order the labels were given.</summary>
    public IReadOnlyList<LabelScore> Scores { get; }

    /// <summary>The same results, best first.</summary>
    public IReadOnlyList<LabelScore> Ranked { get; }

    /// <summary>The most probable label.</summary>
    public LabelScore Best => Ranked[0];
}

/// <summary>
/// Zero-shot classification (and caption ranking): labels become prompts, prompts become text embeddings once,
/// and each image gets softmax(scale · cosine) over them — OpenAI's <c>model(image, text)</c> probabilities.
/// </summary>
public sealed class ZeroShotClassifier
{
    private readonly ClipModel _model;
    private readonly float[] _classEmbeddings;
    private readonly string[] _labels;
    private readonly string[] _prompts;
    private readonly float _scale;

    private ZeroShotClassifier(ClipModel model, string[] labels, string[] prompts, float[] classEmbeddings, float scale)
    {
        _model = model;
        _labels = labels;
        _prompts = prompts;
        _classEmbeddings = classEmbeddings;
        _scale = scale;
    }

    /// <summary>Embeds the prompts of every label with <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">No labels, an empty label, or a template without <c>{}</c>.</exception>
    public static ZeroShotClassifier Create(ClipModel model, IReadOnlyList<string> labels, ZeroShotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new ZeroShotOptions();
        if (labels.Count == 0)
        {
            throw new ArgumentException("At least one label is needed.", nameof(labels));
        }

        if (options.Templates is null || options.Templates.Count == 0)
        {
            throw new ArgumentException("At least one template is needed.", nameof(options));
        }

        foreach (string label in labels)
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                throw new ArgumentException("Labels must not be empty.", nameof(labels));
            }
        }

        int t = options.Templates.Count;
        var texts = new List<string>(labels.Count * t);
        foreach (string label in labels)
        {
            foreach (string template in options.Templates)
            {
                texts.Add(PromptTemplates.Fill(template, label));
            }
        }

        float[][] embedded = model.EncodeTexts(texts);
        int dim = model.EmbeddingDimension;
        float[] classes = new float[labels.Count * dim];
        string[] prompts = new string[labels.Count];
        for (int c = 0; c < labels.Count; c++)
        {
            PromptEnsemble.Average(embedded.AsSpan(c * t, t), classes.AsSpan(c * dim, dim));
            prompts[c] = PromptEnsemble.Describe(options.Templates, labels[c]);
        }

        float scale = options.LogitScale ?? model.LogitScale;
        if (!float.IsFinite(scale) || scale <= 0)
        {
            throw new ArgumentException("LogitScale must be a positive finite number.", nameof(options));
        }

        return new ZeroShotClassifier(model, [.. labels], prompts, classes, scale);
    }

    /// <summary>The labels, in order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The normalised text embedding of label <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> ClassEmbedding(int index) => _classEmbeddings.AsSpan(index * _model.EmbeddingDimension, _model.EmbeddingDimension);

    /// <summary>Classifies an image file.</summary>
    public ZeroShotResult Classify(string imagePath) => Classify(_model.EncodeImage(imagePath));

    /// <summary>Classifies a decoded image.</summary>
    public ZeroShotResult Classify(ClipImage image) => Classify(_model.EncodeImage(image));

    /// <summary>Classifies an image from its normalised embedding.</summary>
    public ZeroShotResult Classify(ReadOnlySpan<float> imageEmbedding)
    {
        int dim = _model.EmbeddingDimension;
        if (imageEmbedding.Length != dim)
        {
            throw new ArgumentException($"Expected an embedding of {dim} values, got {imageEmbedding.Length}.", nameof(imageEmbedding));
        }

        float[] cosines = new float[_labels.Length];
        for (int c = 0; c < cosines.Length; c++)
        {
            cosines[c] = TensorPrimitives.Dot(imageEmbedding, ClassEmbedding(c));
        }

        float[] probs = new float[cosines.Length];
        ClipMath.Softmax(cosines, _scale, probs);
        var scores = new LabelScore[cosines.Length];
        for (int c = 0; c < scores.Length; c++)
        {
            scores[c] = new LabelScore(_labels[c], _prompts[c], cosines[c], probs[c]);
        }

        return new ZeroShotResult(scores);
    }
}
