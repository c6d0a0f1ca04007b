using ClipSharp.Text;

using Xunit;

namespace ClipSharp.Tests.Text;

/// <summary>
/// The cleaning components against Python: expectations come from CPython 3.11 (<c>html.unescape</c>,
/// <c>str.lower</c>) and from ftfy 6.3's documented examples.
/// </summary>
public class CleaningTests
{
    [Theory]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&ampersand", "&ersand")]
    [InlineData("&#128;", "\u20AC")]
    [InlineData("&#0;", "\uFFFD")]
    [InlineData("&#x110000;", "\uFFFD")]
    [InlineData("&#xD800;", "\uFFFD")]
    [InlineData("&#1;", "")]
    [InlineData("&#x41", "A")]
    [InlineData("&notit;", "\u00ACit;")]
    [InlineData("&notin;", "\u2209")]
    [InlineData("&copy2024", "\u00A92024")]
    [InlineData("&#99999999999999999999;", "\uFFFD")]
    [InlineData("&Eacute", "\u00C9")]
    [InlineData("&lt&gt", "<>")]
    [InlineData("a & b", "a & b")]
    [InlineData("&#X41;", "A")]
    [InlineData("&#;", "&#;")]
    [InlineData("&#x;", "&#x;")]
    [InlineData("&#65abc", "Aabc")]
    public void PythonUnescape_EntityEdgeCases_MatchesHtmlUnescape(string input, string expected)
        => Assert.Equal(expected, HtmlData.PythonUnescape(input));

    [Theory]
    [InlineData("\u0130STANBUL", "i\u0307stanbul")]
    [InlineData("\u039F\u0394\u039F\u03A3 \u03A3\u0391\u03A3", "\u03BF\u03B4\u03BF\u03C2 \u03C3\u03B1\u03C2")]
    [InlineData("\u03A3", "\u03C3")]
    [InlineData("A\u03A3.", "a\u03C2.")]
    [InlineData("\u0391\u03A3\u0301\u0392", "\u03B1\u03C3\u0301\u03B2")]
    [InlineData("\u1FBC", "\u1FB3")]
    [InlineData("\u1E9E", "\u00DF")]
    [InlineData("\u03A9 \u212A \u212B", "\u03C9 k \u00E5")]
    [InlineData("\u01C5", "\u01C6")]
    public void PythonLower_SpecialCasings_MatchesStrLower(string input, string expected)
        => Assert.Equal(expected, UnicodeData.PythonLower(input));

    [Theory]
    [InlineData("\u00E2\u0153\u201D No problems", "\u2714 No problems")]
    [InlineData("&macr;\\_(\u00E3\u0083\u0084)_/&macr;", "\u00AF\\_(\u30C4)_/\u00AF")]
    [InlineData("Broken text&hellip; it&#x2019;s \uFB02ubberi\uFB01c!", "Broken text\u2026 it's flubberific!")]
    [InlineData("\uFF2C\uFF2F\uFF35\uFF24\u3000\uFF2E\uFF2F\uFF29\uFF33\uFF25\uFF33", "LOUD NOISES")]
    [InlineData("\uFF35\uFF80\uFF70\uFF9D", "U\u30BF\u30FC\u30F3")]
    [InlineData("voil\u00C3 le travail", "voil\u00E0 le travail")]
    [InlineData("s\u00C3\u00B3", "s\u00F3")]
    [InlineData("P&EACUTE;REZ", "P\u00C9REZ")]
    [InlineData("BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE")]
    [InlineData("&ntilde; &Ntilde; &NTILDE; &nTILDE;", "\u00F1 \u00D1 \u00D1 &nTILDE;")]
    [InlineData("\u00C3\u00A0\u00C2\u00B2\u00C2\u00A0_\u00C3\u00A0\u00C2\u00B2\u00C2\u00A0", "\u0CA0_\u0CA0")]
    [InlineData("not such a fan of Charlotte Bront\u00EB\u2026\u201D", "not such a fan of Charlotte Bront\u00EB\u2026\"")]
    [InlineData("\uFB02u\uFB03e\uFB06", "fluffiest")]
    [InlineData("\u001B[36;44mI'm blue\u001B[0m", "I'm blue")]
    [InlineData("a\r\nb\rc\u2028d", "a\nb\nc\nd")]
    [InlineData("\uFEFFParty like\nit&rsquo;s 1999!", "Party like\nit's 1999!")]
    [InlineData("<em>HTML entities &lt;3</em>", "<em>HTML entities &lt;3</em>")]
    [InlineData("ka\u304B\u3099", "ka\u304C")]
    public void FixText_FtfyExamples_GivesFtfysOutput(string input, string expected)
        => Assert.Equal(expected, Ftfy.FixText(input));

    [Fact]
    public void FixText_AngleBracketInAnEarlierLine_StopsUnescapingLaterLines()
        => Assert.Equal("<p>\n&amp;", Ftfy.FixText("<p>\n&amp;"));

    [Fact]
    public void Clean_HtmlTextWithCurlyEntity_KeepsTheQuoteCurlyLikeOpenAI()
        // ftfy does not unescape (there is a '<'), so html.unescape runs after uncurl_quotes.
        => Assert.Equal("<b>it\u2019s</b>", ClipTokenizer.Clean("<b>it&rsquo;s</b>"));

    [Fact]
    public void Clean_PlainAscii_IsLowercasedAndCollapsed()
        => Assert.Equal("a photo of a dog", ClipTokenizer.Clean("  A\tPhoto\n\nof a   DOG "));
}
