using Xunit;

namespace ClipSharp.Tests.ZeroShot;

/// <summary>The one resolution of a user's template choice, and the one ensemble average (CLI, server and library share them).</summary>
public sealed class PromptTemplatesTests
{
    [Theory]
    [InlineData("imagenet80")]
    [InlineData("imagenet")]
    [InlineData("ImageNet80")]
    [InlineData("IMAGENET")]
    public void FindEnsemble_NameOrAliasInAnyCase_GivesThe80TemplatesUnderTheCanonicalName(string name)
    {
        var templates = PromptTemplates.FindEnsemble(name, out string canonical);

        Assert.Same(PromptTemplates.ImageNet80, templates);
        Assert.Equal(80, templates!.Count);
        Assert.Equal(PromptTemplates.ImageNetEnsemble, canonical);
    }

    [Fact]
    public void FindEnsemble_UnknownName_IsNull()
        => Assert.Null(PromptTemplates.FindEnsemble("cifar", out _));

    [Fact]
    public void Resolve_NothingChosen_IsTheDefaultTemplateAlone()
    {
        Assert.Equal([PromptTemplates.Default], PromptTemplates.Resolve(null, null));
        Assert.Equal([PromptTemplates.Default], PromptTemplates.Resolve([], null));
    }

    [Fact]
    public void Resolve_TemplatesOrAnEnsemble_GivesThemInOrder()
    {
        Assert.Equal(["a {}", "{}"], PromptTemplates.Resolve(["a {}", "{}"], null));
        Assert.Same(PromptTemplates.ImageNet80, PromptTemplates.Resolve(null, "imagenet"));
    }

    [Theory]
    [InlineData(new[] { "a {}" }, "imagenet80", "cannot be used together")]
    [InlineData(new string[0], "cifar", "unknown template ensemble")]
    [InlineData(new[] { "no placeholder at all" }, null, "the template has no {} placeholder")]
    [InlineData(new[] { "a {}", "no placeholder at all" }, null, "template 1 (counting from 0) has no {} placeholder")]
    public void Resolve_BadChoice_IsInvalidInputSayingWhyWithoutEchoingTheTemplate(string[] templates, string? ensemble, string expected)
    {
        var ex = Assert.Throws<ClipSharpException>(() => PromptTemplates.Resolve(templates, ensemble));

        Assert.Equal(ClipErrorKind.InvalidInput, ex.Kind);
        Assert.Contains(expected, ex.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("at all", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Average_NormalisedPrompts_IsTheirRenormalisedMean()
    {
        float s = MathF.Sqrt(0.5f);
        float[][] prompts = [[1, 0, 0], [0, 1, 0], [s, s, 0]];
        float[] average = new float[3];

        PromptEnsemble.Average(prompts, average);

        // Mean (0.569, 0.569, 0) renormalised: both axes equal, unit length.
        Assert.Equal(average[0], average[1], 6);
        Assert.Equal(0f, average[2]);
        Assert.Equal(1f, (average[0] * average[0]) + (average[1] * average[1]), 5);
    }

    [Fact]
    public void Average_NoPromptsOrAnotherWidth_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => PromptEnsemble.Average(ReadOnlySpan<float[]>.Empty, new float[3]));
        Assert.Throws<ArgumentException>(() => PromptEnsemble.Average(new[] { new float[2] }, new float[3]));
    }

    [Fact]
    public void Describe_OneTemplateOrSeveral_IsThePromptOrAnEnsembleSummary()
    {
        Assert.Equal("a photo of a cat.", PromptEnsemble.Describe([PromptTemplates.Default], "cat"));
        Assert.Equal("mean of 2 prompts: a cat …", PromptEnsemble.Describe(["a {}", "the {}"], "cat"));
    }
}
