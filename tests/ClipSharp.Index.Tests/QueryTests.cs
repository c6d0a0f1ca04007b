using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>Query arithmetic: terms, weights, image terms, and how they combine.</summary>
public sealed class QueryTests
{
    private static readonly Func<string, bool> s_noFiles = _ => false;

    [Fact]
    public void Parse_PlusAndMinus_SplitTermsAndSetSigns()
    {
        var terms = SearchQuery.Parse("dog + beach - night", s_noFiles);
        Assert.Equal([new QueryTerm(1, "dog", false), new QueryTerm(1, "beach", false), new QueryTerm(-1, "night", false)], terms);
    }

    [Fact]
    public void Parse_ParenthesisedTermWithColon_ReadsItsWeight()
    {
        var terms = SearchQuery.Parse("(sunset boat):2 + boat - (fog): 0.5", s_noFiles);
        Assert.Equal([new QueryTerm(2, "sunset boat", false), new QueryTerm(1, "boat", false), new QueryTerm(-0.5f, "fog", false)], terms);
    }

    [Theory]
    [InlineData("10:30 meeting")]
    [InlineData("2:sunset")]
    [InlineData("ratio 16:9 screen")]
    public void Query_NumberBeforeAColon_IsTextNotAWeight(string query)
        => Assert.Equal([new QueryTerm(1, query, false)], SearchQuery.Parse(query, s_noFiles));

    [Fact]
    public void Query_WordThatNamesAnExistingFile_IsStillText()
        => Assert.Equal([new QueryTerm(1, "notes", false)], SearchQuery.Parse("notes", _ => true));

    [Fact]
    public void Query_LeadingTilde_IsExpandedToAnImageInTheHomeFolder()
    {
        const string expected = "/home/someone/Pictures/cat.jpg";
        var terms = SearchQuery.Parse("~/Pictures/cat.jpg + snow", p => p == expected, "/home/someone");
        Assert.Equal([new QueryTerm(1, expected, true), new QueryTerm(1, "snow", false)], terms);
    }

    [Theory]
    [InlineData("./cat.jpg", "./cat.jpg")]
    [InlineData("photos\\cat", "photos\\cat")]
    [InlineData("cat.jpeg", "cat.jpeg")]
    [InlineData("image:cat", "cat")]
    public void Query_PathLikeTerm_IsAnImageTerm(string term, string path)
        => Assert.Equal([new QueryTerm(1, path, true)], SearchQuery.Parse(term, p => p == path));

    [Theory]
    [InlineData("./missing.jpg", "./missing.jpg")]
    [InlineData("holiday.png + sea", "holiday.png")]
    [InlineData("image:nothing-here", "nothing-here")]
    public void Query_PathLikeTermThatDoesNotExist_IsAnErrorNamingIt(string query, string path)
    {
        var error = Assert.Throws<ClipSharpException>(() => SearchQuery.Parse(query, s_noFiles));
        Assert.Equal(path, error.Input);
        Assert.Contains("no such image file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_TextPrefix_ForcesTextEvenForAPathLikeTerm()
        => Assert.Equal([new QueryTerm(1, "black/white photo", false)], SearchQuery.Parse("text:black/white photo", _ => throw new InvalidOperationException("no file check for text")));

    [Theory]
    [InlineData("")]
    [InlineData("  \t ")]
    public void Query_Empty_SaysTheQueryIsEmpty(string query)
        => Assert.Contains("the query is empty", Assert.Throws<ClipSharpException>(() => SearchQuery.Parse(query, s_noFiles)).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_HyphensAndPlusInsideWords_AreNotOperators()
    {
        var terms = SearchQuery.Parse("a black-and-white photo of a t-shirt, c++ book", s_noFiles);
        Assert.Equal([new QueryTerm(1, "a black-and-white photo of a t-shirt, c++ book", false)], terms);
    }

    [Fact]
    public void Parse_ExistingFile_IsAnImageTerm()
    {
        var terms = SearchQuery.Parse("/photos/cat.jpg - indoor", p => p == "/photos/cat.jpg");
        Assert.Equal([new QueryTerm(1, "/photos/cat.jpg", true), new QueryTerm(-1, "indoor", false)], terms);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("dog + ")]
    [InlineData("dog - + cat")]
    [InlineData("(dog):x")]
    [InlineData("():2")]
    public void Parse_MalformedQuery_Throws(string query)
        => Assert.Throws<ClipSharpException>(() => SearchQuery.Parse(query, s_noFiles));

    [Fact]
    public void Combine_WeightedTerms_SumsNormalisedVectorsThenRenormalises()
    {
        float[] x = [3, 0, 0];
        float[] y = [0, 0.5f, 0];
        float[] combined = SearchQuery.Combine([2f, -1f], [x, y]);
        float s = 1 / MathF.Sqrt(5);
        Assert.Equal(2 * s, combined[0], 6);
        Assert.Equal(-1 * s, combined[1], 6);
        Assert.Equal(0, combined[2], 6);
    }

    [Fact]
    public void Combine_TermsThatCancelOut_Throws()
        => Assert.Throws<ClipSharpException>(() => SearchQuery.Combine([1f, -1f], [[1, 0], [2, 0]]));

    [Fact]
    public void Embed_TextAndImageTerms_CombinesThemInOrder()
    {
        using var temp = new TempFolder();
        string image = temp.Sub("x.png");
        Corpus.WritePng(image, 3);
        var embedder = new FakeClipEmbedder();
        var terms = SearchQuery.Parse($"sunset + ({image}):2");

        float[] q = SearchQuery.Embed(terms, embedder);

        float[] expected = SearchQuery.Combine([1f, 2f], [embedder.EmbedTexts(["sunset"])[0], FakeClipEmbedder.VectorFor(File.ReadAllBytes(image))]);
        Assert.Equal(expected, q);
        Assert.True(terms[1].IsImage);
    }
}
