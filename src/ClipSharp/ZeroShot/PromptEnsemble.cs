using System.Globalization;
using System.Numerics.Tensors;

namespace ClipSharp;

/// <summary>
/// How a label's prompts become one class embedding, as in the CLIP paper: the mean of the normalised prompt
/// embeddings, renormalised (the sum has the same direction, so it is summed and normalised). Used by
/// <see cref="ZeroShotClassifier"/> and the server's classification.
/// </summary>
public static class PromptEnsemble
{
    /// <summary>Writes the class embedding of <paramref name="promptEmbeddings"/> (one normalised vector each, of <paramref name="destination"/>'s length) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">No prompts, or a prompt embedding of another length.</exception>
    public static void Average(ReadOnlySpan<float[]> promptEmbeddings, Span<float> destination)
    {
        if (promptEmbeddings.IsEmpty)
        {
            throw new ArgumentException("At least one prompt embedding is needed.", nameof(promptEmbeddings));
        }

        destination.Clear();
        foreach (float[] prompt in promptEmbeddings)
        {
            if (prompt is null || prompt.Length != destination.Length)
            {
                throw new ArgumentException($"Every prompt embedding must have {destination.Length} values.", nameof(promptEmbeddings));
            }

            TensorPrimitives.Add(destination, prompt, destination);
        }

        ClipMath.Normalize(destination);
    }

    /// <summary>The text shown for a label: its one prompt, or for an ensemble a summary naming the template count and the first prompt.</summary>
    public static string Describe(IReadOnlyList<string> templates, string label)
    {
        ArgumentNullException.ThrowIfNull(templates);
        string first = PromptTemplates.Fill(templates[0], label);
        return templates.Count == 1 ? first : string.Create(CultureInfo.InvariantCulture, $"mean of {templates.Count} prompts: {first} …");
    }
}
