using ClipSharp.Text;

using Xunit;

using static ClipSharp.Tests.Text.TokenizerTestData;

namespace ClipSharp.Tests.Text;

/// <summary>Loading the three vocabulary forms, model folders, configs and error reporting.</summary>
public sealed class ClipTokenizerLoadTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("clipsharp-tok-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [SkippableFact]
    public void Load_OpenAIGzip_HasClipSpecialIdsAndPadsWithZero()
    {
        ClipTokenizer tok = OpenAI;
        Assert.Equal(49406, tok.StartOfTextId);
        Assert.Equal(49407, tok.EndOfTextId);
        Assert.Equal(49408, tok.VocabularySize);
        Assert.Equal(77, tok.ContextLength);
        Assert.Equal(0, tok.PadId);
        Assert.Equal([49406, 320, 1125, 539, 320, 2368, 49407], tok.Tokenize("a photo of a cat").Ids.Take(7));
    }

    [SkippableFact]
    public void Load_AllThreeVocabularyForms_GiveIdenticalIdsForTheGoldenCorpus()
    {
        ClipTokenizer gz = OpenAI;
        ClipTokenizer pair = ClipTokenizer.Load(Path.Combine(HfDir, "vocab.json"), new ClipTokenizerOptions { PadId = 0 });
        ClipTokenizer merges = ClipTokenizer.Load(Path.Combine(HfDir, "merges.txt"), new ClipTokenizerOptions { PadId = 0 });
        ClipTokenizer json = ClipTokenizer.Load(Path.Combine(HfDir, "tokenizer.json"), new ClipTokenizerOptions { PadId = 0 });
        var failures = new List<string>();
        foreach (GoldenText g in Golden())
        {
            foreach ((string name, ClipTokenizer tok) in new[] { ("vocab.json", pair), ("merges.txt", merges), ("tokenizer.json", json), ("gz", gz) })
            {
                if (!tok.Tokenize(g.Text).Ids.SequenceEqual(g.Ids))
                {
                    failures.Add($"{name}: {Show(g.Text)}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(gz.VocabularySize, json.VocabularySize);
    }

    [SkippableTheory]
    [InlineData("hf")]
    [InlineData("openclip")]
    [InlineData("openclip/textual")]
    public void Load_ModelFolder_ReadsTokenizerConfigAndPadsWithEndOfText(string folder)
    {
        ClipTokenizer tok = ClipTokenizer.Load(TestData.Path(["models", "micro", .. folder.Split('/')]));
        Assert.Equal(49407, tok.PadId);
        Assert.Equal(77, tok.ContextLength);
        var failures = new List<string>();
        foreach (GoldenText g in Golden())
        {
            TokenizedText t = tok.Tokenize(g.Text);
            int[] expected = [.. g.Ids.Select((id, i) => i < g.NTokens ? id : 49407)];
            if (!t.Ids.SequenceEqual(expected) || t.EndOfTextIndex != g.EotIndex || t.Length != g.NTokens)
            {
                failures.Add(Show(g.Text));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void Load_HfFolder_UsesTokenizerConfigButOptionsOverride()
    {
        Assert.Equal(49407, ClipTokenizer.Load(HfDir).PadId);
        ClipTokenizer tok = ClipTokenizer.Load(HfDir, new ClipTokenizerOptions { PadId = 0, ContextLength = 16 });
        Assert.Equal(0, tok.PadId);
        Assert.Equal(16, tok.ContextLength);
        TokenizedText t = tok.Tokenize("a photo of a cat");
        Assert.Equal(16, t.Ids.Count);
        Assert.Equal(0, t.Ids[15]);
    }

    [SkippableFact]
    public void Load_GzFolderWithoutConfig_FindsTheGzip()
    {
        string dir = Path.Combine(_temp, "gzonly");
        Directory.CreateDirectory(dir);
        File.Copy(GzPath, Path.Combine(dir, "bpe_simple_vocab_16e6.txt.gz"));
        ClipTokenizer tok = ClipTokenizer.Load(dir);
        Assert.Equal(0, tok.PadId);
        Assert.Equal(OpenAI.Encode("hello world"), tok.Encode("hello world"));
    }

    [SkippableFact]
    public void Load_ConfigWithUnsetModelMaxLength_KeepsDefaultContextLength()
    {
        string dir = Path.Combine(_temp, "cfg");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(HfDir, "vocab.json"), Path.Combine(dir, "vocab.json"));
        File.Copy(Path.Combine(HfDir, "merges.txt"), Path.Combine(dir, "merges.txt"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"model_max_length": 1000000000000000019884624838656, "pad_token": {"content": "!", "lstrip": false}}""");
        ClipTokenizer tok = ClipTokenizer.Load(dir);
        Assert.Equal(77, tok.ContextLength);
        Assert.Equal(0, tok.PadId);
    }

    [SkippableFact]
    public void Load_RenamedJsonFiles_AreRecognisedByContent()
    {
        string tj = Path.Combine(_temp, "clip-tokenizer.json");
        File.Copy(Path.Combine(HfDir, "tokenizer.json"), tj);
        string vj = Path.Combine(_temp, "clip-vocab.json");
        File.Copy(Path.Combine(HfDir, "vocab.json"), vj);
        File.Copy(Path.Combine(HfDir, "merges.txt"), Path.Combine(_temp, "merges.txt"));
        IReadOnlyList<int> expected = OpenAI.Encode("a photo of a dog");
        Assert.Equal(expected, ClipTokenizer.Load(tj).Encode("a photo of a dog"));
        Assert.Equal(expected, ClipTokenizer.Load(vj).Encode("a photo of a dog"));
    }

    [Fact]
    public void Load_MissingPath_ThrowsInvalidTokenizerNamingThePath()
    {
        string missing = Path.Combine(_temp, "nope");
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(missing));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithoutTokenizerFiles_ThrowsSayingWhatWasExpected()
    {
        File.WriteAllText(Path.Combine(_temp, "readme.txt"), "nothing here");
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(_temp));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains(_temp, e.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("merges.txt", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_TruncatedVocabJson_ThrowsInvalidTokenizerNamingTheFile()
    {
        byte[] vocab = File.ReadAllBytes(Path.Combine(HfDir, "vocab.json"));
        string vj = Path.Combine(_temp, "vocab.json");
        File.WriteAllBytes(vj, vocab[..(vocab.Length / 2)]);
        File.Copy(Path.Combine(HfDir, "merges.txt"), Path.Combine(_temp, "merges.txt"));
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(_temp));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Equal(vj, e.Input);
        Assert.Contains(vj, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_VocabJsonOfWrongShape_ThrowsInvalidTokenizer()
    {
        string vj = Path.Combine(_temp, "vocab.json");
        File.WriteAllText(vj, """{"a": "not a number"}""");
        File.Copy(Path.Combine(HfDir, "merges.txt"), Path.Combine(_temp, "merges.txt"));
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(vj));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains(vj, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_MergesWithABadLine_ThrowsNamingTheFileAndLine()
    {
        File.Copy(Path.Combine(HfDir, "vocab.json"), Path.Combine(_temp, "vocab.json"));
        string[] lines = File.ReadAllLines(Path.Combine(HfDir, "merges.txt"));
        lines[5] = "thisisnotamerge";
        string mt = Path.Combine(_temp, "merges.txt");
        File.WriteAllLines(mt, lines);
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(_temp));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains(mt, e.Message, StringComparison.Ordinal);
        Assert.Contains("line 6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptGzip_ThrowsInvalidTokenizer()
    {
        string gz = Path.Combine(_temp, "bpe_simple_vocab_16e6.txt.gz");
        File.WriteAllText(gz, "not gzip at all");
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(_temp));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains(gz, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_TokenizerJsonWithoutModel_ThrowsInvalidTokenizer()
    {
        string tj = Path.Combine(_temp, "tokenizer.json");
        File.WriteAllText(tj, """{"version": "1.0", "added_tokens": []}""");
        ClipSharpException e = Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(_temp));
        Assert.Equal(ClipErrorKind.InvalidTokenizer, e.Kind);
        Assert.Contains(tj, e.Message, StringComparison.Ordinal);
        Assert.Contains("model", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_OptionsOutOfRange_ThrowClipSharpException()
    {
        Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(GzPath, new ClipTokenizerOptions { ContextLength = 1 }));
        Assert.Throws<ClipSharpException>(() => ClipTokenizer.Load(GzPath, new ClipTokenizerOptions { PadId = 49408 }));
    }
}
