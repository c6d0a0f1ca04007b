using System.Text.Json;
using ClipSharp.Text;
using ClipSharp.Text.Normalizers;
using ClipSharp.Text.SentencePiece;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Text.HuggingFace;

/// <summary>
/// Ids against Google's sentencepiece (Debian's python3-sentencepiece) on the corpus: the .model files read directly,
/// and the tokenizer.json converted from them (which must keep sentencepiece's ids, framed as the conversion says).
/// </summary>
public class SentencePieceParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => ["unigram", "unigram-bytes", "bpe", "xlmr"];

    public static TheoryData<string> Conversions => ["unigram", "xlmr"];

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void Model_file_ids_equal_sentencepiece_on_every_corpus_text(string fixture)
    {
        string model = Path.Combine(TokenizerReference.DataDir, fixture, "spm.model");
        IReadOnlyList<int[]> expected = TokenizerReference.SentencePiece(model);
        var tokenizer = HuggingFaceTokenizer.Load(model);
        IReadOnlyList<string> corpus = TokenizerReference.Corpus();
        var bad = new List<string>();
        for (int i = 0; i < corpus.Count; i++)
        {
            int[] ours = [.. tokenizer.Encode(corpus[i]).Ids];
            if (!ours.SequenceEqual(expected[i]))
            {
                bad.Add($"#{i} {JsonSerializer.Serialize(corpus[i][..Math.Min(100, corpus[i].Length)])}\n  ours {string.Join(',', ours.Take(40))}\n  spm  {string.Join(',', expected[i].Take(40))}");
            }
        }

        output.WriteLine($"{fixture}/spm.model: {corpus.Count - bad.Count} of {corpus.Count} texts identical to sentencepiece");
        Assert.True(bad.Count == 0, $"{bad.Count} of {corpus.Count} texts differ:\n" + string.Join("\n", bad.Take(12)));
    }

    [SkippableTheory]
    [MemberData(nameof(Conversions))]
    public void Converted_tokenizer_json_keeps_sentencepiece_ids(string fixture)
    {
        var tokenizer = HuggingFaceTokenizer.Load(Path.Combine(TokenizerReference.DataDir, fixture, "tokenizer.json"));
        var expected = ConvertedIds(fixture, tokenizer)!;
        IReadOnlyList<string> corpus = TokenizerReference.Corpus();
        int compared = 0, direct = 0, graphemeRule = 0;
        var bad = new List<string>();
        for (int i = 0; i < corpus.Count; i++)
        {
            if (expected[i].Direct is not int[] e)
            {
                continue;
            }

            compared++;
            int[] ours = [.. tokenizer.Encode(corpus[i]).Ids];
            if (ours.SequenceEqual(e))
            {
                direct++;
            }
            else if (ours.SequenceEqual(expected[i].GraphemeRule!))
            {
                graphemeRule++;
            }
            else
            {
                bad.Add($"#{i} {JsonSerializer.Serialize(corpus[i][..Math.Min(100, corpus[i].Length)])}\n  ours {string.Join(',', ours.Take(40))}\n  spm  {string.Join(',', e.Take(40))}");
            }
        }

        output.WriteLine($"{fixture}/tokenizer.json vs sentencepiece on spm.model: {compared} texts compared ({corpus.Count - compared} hold special tokens' text, which tokenizer.json parses and sentencepiece does not): "
            + $"{direct} identical, {graphemeRule} identical once the text is normalized with the Rust library's grapheme-wise Precompiled rule, {bad.Count} different");
        Assert.True(compared > 950, $"only {compared} texts compared");
        Assert.True(bad.Count == 0, $"{bad.Count} of {compared} texts differ:\n" + string.Join("\n", bad.Take(12)));
    }

    /// <summary>
    /// The ids a converted fixture must give, from sentencepiece on its spm.model: "unigram" appends &lt;/s&gt; (1), then
    /// truncates and pads to 64 like the file; "xlmr" shifts every piece one id up (sentencepiece's unknown 0 becomes
    /// 3) and frames with &lt;s&gt; (0) … &lt;/s&gt; (2). <c>Direct</c> encodes the text itself; <c>GraphemeRule</c>
    /// encodes the text after the Rust library's Precompiled normalizer, which applies the charsmap per grapheme
    /// cluster where sentencepiece applies its longest rule per byte. Both null for a text holding a special token's
    /// text; null altogether for fixtures that are not conversions.
    /// </summary>
    internal static IReadOnlyList<(int[]? Direct, int[]? GraphemeRule)>? ConvertedIds(string fixture, HuggingFaceTokenizer tokenizer)
    {
        if (fixture is not ("unigram" or "xlmr"))
        {
            return null;
        }

        string dir = Path.Combine(TokenizerReference.DataDir, fixture);
        IReadOnlyList<string> corpus = TokenizerReference.Corpus();
        var precompiled = new PrecompiledNormalizer(DartsCharsMap.Parse(SentencePieceModel.Parse(File.ReadAllBytes(Path.Combine(dir, "spm.model"))).PrecompiledCharsMap)!);
        IReadOnlyList<int[]> direct = TokenizerReference.SentencePiece(Path.Combine(dir, "spm.model"));
        IReadOnlyList<int[]> graphemeRule = TokenizerReference.SentencePiece(Path.Combine(dir, "spm.model"), [.. corpus.Select(precompiled.Normalize)]);
        var result = new (int[]?, int[]?)[corpus.Count];
        for (int i = 0; i < corpus.Count; i++)
        {
            if (!tokenizer.SpecialTokens.Keys.Any(k => corpus[i].Contains(k, StringComparison.Ordinal)))
            {
                result[i] = (Frame(fixture, tokenizer, direct[i]), Frame(fixture, tokenizer, graphemeRule[i]));
            }
        }

        return result;
    }

    private static int[] Frame(string fixture, HuggingFaceTokenizer tokenizer, int[] spm) => fixture == "unigram"
        ? JavaScriptParityTests.Frame(tokenizer, [.. spm, 1])
        : [0, .. spm.Select(id => id == 0 ? 3 : id + 1), 2];
}
