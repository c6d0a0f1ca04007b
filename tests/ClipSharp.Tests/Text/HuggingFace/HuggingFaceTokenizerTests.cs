using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSharp.Text;
using Xunit;

namespace ClipSharp.Tests.Text.HuggingFace;

/// <summary>Loading, framing, truncation, padding and error handling of <see cref="HuggingFaceTokenizer"/> on small files written here.</summary>
public sealed class HuggingFaceTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-hf-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A WordPiece tokenizer.json over a tiny vocabulary, with optional extra top-level fields.</summary>
    private string WordPiece(string? truncation = null, string? padding = null, string post = """{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}""")
    {
        string json = $$$"""
        {
          "version": "1.0",
          "truncation": {{{truncation ?? "null"}}},
          "padding": {{{padding ?? "null"}}},
          "added_tokens": [
            {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
          ],
          "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
          "pre_tokenizer": {"type": "BertPreTokenizer"},
          "post_processor": {{{post}}},
          "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 10,
                    "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4, "photo": 5, "of": 6, "cat": 7, "##s": 8, "dog": 9, ".": 10}}
        }
        """;
        return Write("tokenizer.json", json);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Encode_NoPaddingSettings_FramesIdsWithThePostProcessorUnpadded()
    {
        var t = HuggingFaceTokenizer.Load(WordPiece());

        TokenizerEncoding e = t.Encode("A photo of CATS.");

        Assert.Equal([2, 4, 5, 6, 7, 8, 10, 3], e.Ids);
        Assert.Equal(Enumerable.Repeat(1, 8), e.AttentionMask);
        Assert.Equal(8, e.Length);
        Assert.False(e.Truncated);
        Assert.Null(t.MaxLength);
        Assert.Null(t.PadId);
        Assert.Equal(2, t.SpecialTokens["[CLS]"]);
        Assert.Equal(7, t.TokenToId("cat"));
        Assert.Equal("dog", t.IdToToken(9));
    }

    [Fact]
    public void WordPiece_WordTooLongOrWithAnUnknownRest_IsOneUnknownId()
    {
        var t = HuggingFaceTokenizer.Load(WordPiece());

        // 12 characters > 10; "cats" = cat ##s; "#" is not in the vocabulary.
        Assert.Equal([2, 1, 7, 8, 1, 4, 3], t.Encode("catsssssssss cats# a").Ids);
        Assert.Equal([2, 1, 3], t.Encode("catz").Ids);
    }

    [Fact]
    public void Truncation_RightOrLeft_KeepsRoomForTheSpecialTokens()
    {
        var right = HuggingFaceTokenizer.Load(WordPiece(truncation: """{"direction": "Right", "max_length": 5, "strategy": "LongestFirst", "stride": 0}"""));
        var left = HuggingFaceTokenizer.Load(WordPiece(truncation: """{"direction": "Left", "max_length": 5, "strategy": "OnlyFirst", "stride": 2}"""));

        TokenizerEncoding r = right.Encode("a photo of a dog");
        TokenizerEncoding l = left.Encode("a photo of a dog");

        Assert.Equal([2, 4, 5, 6, 3], r.Ids);
        Assert.True(r.Truncated);
        Assert.Equal([2, 6, 4, 9, 3], l.Ids);
        Assert.Equal(5, right.MaxLength);
        Assert.False(right.Encode("a dog").Truncated);
    }

    [Fact]
    public void FixedPadding_LeftSide_FillsToTheLengthAndMasksThePadding()
    {
        var t = HuggingFaceTokenizer.Load(WordPiece(padding: """{"strategy": {"Fixed": 6}, "direction": "Left", "pad_to_multiple_of": null, "pad_id": 0, "pad_type_id": 1, "pad_token": "[PAD]"}"""));

        TokenizerEncoding e = t.Encode("a dog");

        Assert.Equal([0, 0, 2, 4, 9, 3], e.Ids);
        Assert.Equal([0, 0, 1, 1, 1, 1], e.AttentionMask);
        Assert.Equal([1, 1, 0, 0, 0, 0], e.TypeIds);
        Assert.Equal(4, e.Length);
        Assert.Equal(6, t.PaddedLength);
    }

    [Fact]
    public void BatchLongestPadding_PadToMultiple_PadsToTheLongestTextRoundedUp()
    {
        var t = HuggingFaceTokenizer.Load(WordPiece(padding: """{"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": 4, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}"""));

        IReadOnlyList<TokenizerEncoding> batch = t.EncodeBatch(["a dog", "a photo of a cat"]);

        Assert.Equal([2, 4, 9, 3, 0, 0, 0, 0], batch[0].Ids);
        Assert.Equal([2, 4, 5, 6, 4, 7, 3, 0], batch[1].Ids);
        Assert.Equal(7, batch[1].Length);
    }

    [Fact]
    public void LengthOption_WithPadId_TruncatesAndPadsToExactlyThatManyIds()
    {
        var t = HuggingFaceTokenizer.Load(WordPiece(), new HuggingFaceTokenizerOptions { Length = 4, PadId = 0 });

        Assert.Equal([2, 4, 5, 3], t.Encode("a photo of a cat").Ids);
        Assert.Equal([2, 9, 3, 0], t.Encode("dog").Ids);
        Assert.Throws<ClipSharpException>(() => HuggingFaceTokenizer.Load(WordPiece(), new HuggingFaceTokenizerOptions { Length = 1 }));
    }

    [Fact]
    public void Encode_SpecialTokensInTheText_BecomeTheirIdsUnlessParsingIsOff()
    {
        var parsed = HuggingFaceTokenizer.Load(WordPiece());
        var literal = HuggingFaceTokenizer.Load(WordPiece(), new HuggingFaceTokenizerOptions { ParseSpecialTokens = false, AddSpecialTokens = false });

        Assert.Equal([2, 4, 3, 9, 3], parsed.Encode("a[SEP]dog").Ids);
        Assert.Equal([4, 1, 1, 1, 9], literal.Encode("a[SEP]dog").Ids);
    }

    [Theory]
    [InlineData("normalizer", """{"type": "ByteLevel"}""", "normalizer: unsupported normalizer \"ByteLevel\"")]
    [InlineData("pre_tokenizer", """{"type": "UnicodeScripts"}""", "pre_tokenizer: unsupported pre_tokenizer \"UnicodeScripts\"")]
    [InlineData("post_processor", """{"type": "Sequence", "processors": [{"type": "Frobnicate"}]}""", "post_processor.processors[0]: unsupported post_processor \"Frobnicate\"")]
    [InlineData("model", """{"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}""", "unsupported model \"WordLevel\"")]
    public void Load_UnsupportedComponent_IsRefusedNamingItsTypeAndTheFile(string field, string component, string expected)
    {
        var root = JsonNode.Parse(File.ReadAllText(WordPiece()))!.AsObject();
        root[field] = JsonNode.Parse(component);
        string path = Write("unsupported.json", root.ToJsonString());

        var e = Assert.Throws<ClipSharpException>(() => HuggingFaceTokenizer.Load(path));

        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Equal(path, e.Input);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"version\": \"1.0\", \"model\": ")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"version\": \"1.0\"}")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", \"x\"]], \"unk_id\": 0}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}, \"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}, \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\p{Han}+\"}, \"behavior\": \"Isolated\"}}")]
    public void Load_MalformedFile_IsRefusedNamingIt(string content)
    {
        string path = Write("tokenizer.json", content);

        var e = Assert.Throws<ClipSharpException>(() => HuggingFaceTokenizer.Load(path));

        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFileOrFolderWithoutTokenizerJson_IsRefused()
    {
        Assert.Equal(ClipErrorKind.InvalidTokenizer, Assert.Throws<ClipSharpException>(() => HuggingFaceTokenizer.Load(Path.Combine(_dir, "nope.json"))).Kind);
        Assert.Equal(ClipErrorKind.InvalidTokenizer, Assert.Throws<ClipSharpException>(() => HuggingFaceTokenizer.Load(_dir)).Kind);
    }

    [Fact]
    public void Load_CorruptSentencePieceModel_IsRefusedAsAnInvalidTokenizer()
    {
        string path = Path.Combine(_dir, "bad.model");
        File.WriteAllBytes(path, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);

        var e = Assert.Throws<ClipSharpException>(() => HuggingFaceTokenizer.Load(path));

        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains("SentencePiece", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_TextLongerThanTheLimit_IsRefusedBeforeTokenizing()
    {
        var t = HuggingFaceTokenizer.Load(WordPiece(), new HuggingFaceTokenizerOptions { MaxTextLength = 1000 });

        var e = Assert.Throws<ClipSharpException>(() => t.Encode(new string('a', 1001)));

        Assert.Equal(ClipErrorKind.InvalidInput, e.Kind);
        Assert.Equal(1000 / 2, t.Encode(string.Join(' ', Enumerable.Repeat("a", 500))).Length - 2);
    }

    [Fact]
    public void Encode_LoneSurrogate_IsEncodedAsTheReplacementCharacter()
    {
        var t = HuggingFaceTokenizer.Load(Path.Combine(TokenizerReference.DataDir, "gpt2", "tokenizer.json"));

        Assert.Equal(t.Encode("a\uFFFDb").Ids, t.Encode("a\uD800b").Ids);
    }

    [Fact]
    public void IsTokenizerFile_TokenizerOrClipVocabulary_TellsThemApart()
    {
        string vocab = Write("vocab.json", """{"a": 0, "b": 1}""");

        Assert.True(HuggingFaceTokenizer.IsTokenizerFile(WordPiece()));
        Assert.True(HuggingFaceTokenizer.IsTokenizerFile(Path.Combine(TokenizerReference.DataDir, "bpe", "spm.model")));
        Assert.False(HuggingFaceTokenizer.IsTokenizerFile(vocab));
        Assert.False(HuggingFaceTokenizer.IsTokenizerFile(Path.Combine(_dir, "missing.model")));
    }
}
