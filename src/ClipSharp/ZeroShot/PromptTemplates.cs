using System.Globalization;

namespace ClipSharp;

/// <summary>
/// Prompt templates for zero-shot classification; <c>{}</c> stands for the label. <see cref="Resolve"/> is the one place
/// a user's choice (templates, or a named ensemble) becomes the templates to embed.
/// </summary>
public static class PromptTemplates
{
    /// <summary>The single template of OpenAI's CLIP walkthrough: <c>a photo of a {}.</c></summary>
    public const string Default = "a photo of a {}.";

    /// <summary>The name of the CLIP paper's 80-prompt ImageNet ensemble (<see cref="ImageNet80"/>).</summary>
    public const string ImageNetEnsemble = "imagenet80";

    /// <summary>Another name accepted for <see cref="ImageNetEnsemble"/> (the name <c>classify</c> and the server took first).</summary>
    public const string ImageNetEnsembleAlias = "imagenet";

    /// <summary>
    /// The 80 templates that the CLIP paper ensembles for ImageNet, from OpenAI's
    /// notebooks/Prompt_Engineering_for_ImageNet.ipynb (MIT, (c) 2021 OpenAI), in the notebook's order.
    /// </summary>
    public static IReadOnlyList<string> ImageNet80 { get; } =
    [
        "a bad photo of a {}.",
        "a photo of many {}.",
        "a sculpture of a {}.",
        "a photo of the hard to see {}.",
        "a low resolution photo of the {}.",
        "a rendering of a {}.",
        "graffiti of a {}.",
        "a bad photo of the {}.",
        "a cropped photo of the {}.",
        "a tattoo of a {}.",
        "the embroidered {}.",
        "a photo of a hard to see {}.",
        "a bright photo of a {}.",
        "a photo of a clean {}.",
        "a photo of a dirty {}.",
        "a dark photo of the {}.",
        "a drawing of a {}.",
        "a photo of my {}.",
        "the plastic {}.",
        "a photo of the cool {}.",
        "a close-up photo of a {}.",
        "a black and white photo of the {}.",
        "a painting of the {}.",
        "a painting of a {}.",
        "a pixelated photo of the {}.",
        "a sculpture of the {}.",
        "a bright photo of the {}.",
        "a cropped photo of a {}.",
        "a plastic {}.",
        "a photo of the dirty {}.",
        "a jpeg corrupted photo of a {}.",
        "a blurry photo of the {}.",
        "a photo of the {}.",
        "a good photo of the {}.",
        "a rendering of the {}.",
        "a {} in a video game.",
        "a photo of one {}.",
        "a doodle of a {}.",
        "a close-up photo of the {}.",
        "a photo of a {}.",
        "the origami {}.",
        "the {} in a video game.",
        "a sketch of a {}.",
        "a doodle of the {}.",
        "a origami {}.",
        "a low resolution photo of a {}.",
        "the toy {}.",
        "a rendition of the {}.",
        "a photo of the clean {}.",
        "a photo of a large {}.",
        "a rendition of a {}.",
        "a photo of a nice {}.",
        "a photo of a weird {}.",
        "a blurry photo of a {}.",
        "a cartoon {}.",
        "art of a {}.",
        "a sketch of the {}.",
        "a embroidered {}.",
        "a pixelated photo of a {}.",
        "itap of the {}.",
        "a jpeg corrupted photo of the {}.",
        "a good photo of a {}.",
        "a plushie {}.",
        "a photo of the nice {}.",
        "a photo of the small {}.",
        "a photo of the weird {}.",
        "the cartoon {}.",
        "art of the {}.",
        "a drawing of the {}.",
        "a photo of the large {}.",
        "a black and white photo of a {}.",
        "the plushie {}.",
        "a dark photo of a {}.",
        "itap of a {}.",
        "graffiti of the {}.",
        "a toy {}.",
        "itap of my {}.",
        "a photo of a cool {}.",
        "a photo of a small {}.",
        "a tattoo of the {}.",
    ];

    /// <summary>
    /// The templates of a named ensemble, and its canonical name: <see cref="ImageNetEnsemble"/> or its alias
    /// <see cref="ImageNetEnsembleAlias"/>, in any letter case. Null when the name is unknown.
    /// </summary>
    public static IReadOnlyList<string>? FindEnsemble(string name, out string canonicalName)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.Equals(name, ImageNetEnsemble, StringComparison.OrdinalIgnoreCase) || string.Equals(name, ImageNetEnsembleAlias, StringComparison.OrdinalIgnoreCase))
        {
            canonicalName = ImageNetEnsemble;
            return ImageNet80;
        }

        canonicalName = name;
        return null;
    }

    /// <summary>
    /// The templates to embed for a user's choice: the named <paramref name="ensemble"/>, else <paramref name="templates"/>
    /// (each must hold <c>{}</c>), else <see cref="Default"/> alone.
    /// </summary>
    /// <exception cref="ClipSharpException">(<see cref="ClipErrorKind.InvalidInput"/>) Both an ensemble and templates, an unknown ensemble, or a template without <c>{}</c>; <see cref="ClipSharpException.Detail"/> says which.</exception>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string>? templates, string? ensemble)
    {
        if (ensemble is not null)
        {
            if (templates is { Count: > 0 })
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, "templates and a template ensemble cannot be used together");
            }

            return FindEnsemble(ensemble, out _)
                ?? throw new ClipSharpException(ClipErrorKind.InvalidInput, $"unknown template ensemble \"{ensemble}\"; the known one is {ImageNetEnsemble} (also called {ImageNetEnsembleAlias}), the CLIP paper's 80 ImageNet templates");
        }

        if (templates is null || templates.Count == 0)
        {
            return [Default];
        }

        for (int i = 0; i < templates.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(templates[i], nameof(templates));
            if (!templates[i].Contains("{}", StringComparison.Ordinal))
            {
                // Named by position, never echoed: a template may be long or come from a request that logs must not repeat.
                throw new ClipSharpException(ClipErrorKind.InvalidInput, templates.Count == 1
                    ? "the template has no {} placeholder for the label"
                    : string.Create(CultureInfo.InvariantCulture, $"template {i} (counting from 0) has no {{}} placeholder for the label"));
            }
        }

        return templates;
    }

    /// <summary>Fills a template: every <c>{}</c> becomes <paramref name="label"/>.</summary>
    /// <exception cref="ArgumentException">The template has no <c>{}</c> placeholder.</exception>
    public static string Fill(string template, string label)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(label);
        if (!template.Contains("{}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Template '{template}' has no {{}} placeholder for the label.", nameof(template));
        }

        return template.Replace("{}", label, StringComparison.Ordinal);
    }
}
