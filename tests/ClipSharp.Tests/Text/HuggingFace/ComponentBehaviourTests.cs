using System.Text.Json;
using ClipSharp.Text;
using Xunit;

namespace ClipSharp.Tests.Text.HuggingFace;

/// <summary>
/// Behaviours of the Rust library that the JavaScript reference cannot check (it lacks them or departs from them),
/// on hand-made tokenizer.json files whose ids follow from the Rust code (tokenizers/src/models, pre_tokenizers).
/// </summary>
public sealed class ComponentBehaviourTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-hf-components-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private HuggingFaceTokenizer Load(object model, object? preTokenizer = null, object[]? addedTokens = null)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens ?? [],
            ["normalizer"] = null,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = null,
            ["model"] = model,
        }));
        return HuggingFaceTokenizer.Load(path);
    }

    private static object Bpe(Dictionary<string, int> vocab, string[] merges, bool fuseUnk = false, bool byteFallback = false, bool ignoreMerges = false,
        string? prefix = null, string? suffix = null)
        => new Dictionary<string, object?>
        {
            ["type"] = "BPE", ["dropout"] = 0.1, ["unk_token"] = "<unk>", ["continuing_subword_prefix"] = prefix, ["end_of_word_suffix"] = suffix,
            ["fuse_unk"] = fuseUnk, ["byte_fallback"] = byteFallback, ["ignore_merges"] = ignoreMerges, ["vocab"] = vocab, ["merges"] = merges,
        };

    private static object WordPiece(params string[] tokens)
        => new Dictionary<string, object> { ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##",
            ["vocab"] = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i) };

    private static int[] Ids(HuggingFaceTokenizer t, string text) => [.. t.Encode(text).Ids];

    [Fact]
    public void Bpe_ContinuingPrefixAndUnknownRuns_MergesAndFusesOnlyWithFuseUnk()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["a"] = 1, ["##b"] = 2, ["##c"] = 3, ["ab"] = 4, ["abc"] = 5 };
        string[] merges = ["a ##b", "ab ##c"];

        var fused = Load(Bpe(vocab, merges, fuseUnk: true, prefix: "##"));
        var unfused = Load(Bpe(vocab, merges, prefix: "##"));

        Assert.Equal([5], Ids(fused, "abc")); // dropout is ignored: the same ids every time
        Assert.Equal([4, 0], Ids(fused, "abdd"));
        Assert.Equal([4, 0, 0], Ids(unfused, "abdd"));
    }

    [Fact]
    public void Bpe_ByteFallbackOnAPrefixedSymbol_WritesItsBytes()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["a"] = 1, ["##b"] = 2, ["ab"] = 4, ["<0x23>"] = 6, ["<0x64>"] = 7 };

        var t = Load(Bpe(vocab, ["a ##b"], byteFallback: true, prefix: "##"));

        // "##d" is not in the vocabulary: its three bytes '#', '#', 'd' are (the Rust library includes the prefix).
        Assert.Equal([4, 6, 6, 7], Ids(t, "abd"));
        // 'e' has no byte token: the unknown token instead.
        Assert.Equal([4, 0], Ids(t, "abe"));
    }

    [Fact]
    public void Bpe_EndOfWordSuffixOrIgnoreMerges_SuffixesTheLastSymbolOrTakesWholeWords()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["a"] = 1, ["b</w>"] = 2, ["ab</w>"] = 3, ["ab"] = 4 };

        Assert.Equal([3], Ids(Load(Bpe(vocab, ["a b</w>"], suffix: "</w>")), "ab"));
        Assert.Equal([4], Ids(Load(Bpe(vocab, ["a b</w>"], suffix: "</w>", ignoreMerges: true)), "ab"));
    }

    [Fact]
    public void Unigram_ByteFallbackOnAnUnknownRun_WritesBytesOnlyWhenAllExist()
    {
        static object Model(bool byteFallback) => new Dictionary<string, object>
        {
            ["type"] = "Unigram", ["unk_id"] = 0, ["byte_fallback"] = byteFallback,
            ["vocab"] = new object[] { new object[] { "<unk>", 0.0 }, new object[] { "a", -1.0 }, new object[] { "b", -2.0 }, new object[] { "ab", -2.5 }, new object[] { "<0x63>", 0.0 } },
        };

        var bytes = Load(Model(true));
        var plain = Load(Model(false));

        Assert.Equal([3, 4], Ids(bytes, "abc"));
        Assert.Equal([3, 0], Ids(bytes, "abcd")); // "cd" is one unknown run; 'd' has no byte token
        Assert.Equal([3, 0], Ids(plain, "abc"));
    }

    [Fact]
    public void Metaspace_PrependSchemeFirst_PrependsOnlyAtTheStartOfTheText()
    {
        object[] added = [new Dictionary<string, object> { ["id"] = 1, ["content"] = "<s>", ["special"] = true, ["normalized"] = false }];
        static object Metaspace(string scheme) => new Dictionary<string, object> { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = scheme, ["split"] = true };
        object model = WordPiece("[UNK]", "<s>", "\u2581hi", "hi", "\u2581there");

        var first = Load(model, Metaspace("first"), added);
        var always = Load(model, Metaspace("always"), added);

        Assert.Equal([2, 4], Ids(first, "hi there"));
        Assert.Equal([1, 3, 4], Ids(first, "<s>hi there"));
        Assert.Equal([1, 2, 4], Ids(always, "<s>hi there"));
    }

    [Theory]
    [InlineData("Removed", false, new[] { 1, 2, 3 })]
    [InlineData("Isolated", false, new[] { 1, 4, 2, 4, 4, 3 })]
    [InlineData("MergedWithPrevious", false, new[] { 5, 6, 4, 3 })]
    [InlineData("MergedWithNext", false, new[] { 1, 7, 4, 8 })]
    [InlineData("Contiguous", false, new[] { 1, 4, 2, 9, 3 })]
    [InlineData("Removed", true, new[] { 4, 4, 4 })]
    public void Split_EachBehaviour_CutsAndMergesLikeTheRustLibrary(string behavior, bool invert, int[] expected)
    {
        var t = Load(WordPiece("[UNK]", "a", "b", "c", "-", "a-", "b-", "-b", "-c", "--"),
            new Dictionary<string, object> { ["type"] = "Split", ["pattern"] = new Dictionary<string, string> { ["String"] = "-" }, ["behavior"] = behavior, ["invert"] = invert });

        Assert.Equal(expected, Ids(t, "a-b--c"));
    }

    [Fact]
    public void Digits_NonAsciiNumericCharacters_AreSplitLikeAsciiDigits()
    {
        object model = WordPiece("[UNK]", "a", "1", "2", "\u00B3", "12\u00B3");
        static object Digits(bool individual) => new Dictionary<string, object> { ["type"] = "Digits", ["individual_digits"] = individual };

        Assert.Equal([1, 5], Ids(Load(model, Digits(false)), "a12\u00B3"));
        Assert.Equal([1, 2, 3, 4], Ids(Load(model, Digits(true)), "a12\u00B3"));
    }
}
