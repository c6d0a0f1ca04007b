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
    public void SpmModelFile_EveryCorpusText_EncodesToSentencePieceIds(string fixture)
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
    public void ConvertedTokenizerJson_EveryCorpusText_KeepsSentencePieceIds(string fixture)
    {
        var tokenizer = HuggingFaceTokenizer.Load(Path.Combine(TokenizerReference.DataDir, fixture, "tokenizer.json"));
        var expected = ConvertedIds(fixture, tokenizer)!;
        IReadOnlyList<string> corpus = TokenizerReference.Corpus();
        (string Piece, double Score)[] vocab = UnigramVocabulary(Path.Combine(TokenizerReference.DataDir, fixture, "tokenizer.json"));
        int compared = 0, direct = 0, graphemeRule = 0, ties = 0;
        var bad = new List<string>();
        for (int i = 0; i < corpus.Count; i++)
        {
            int[] e = expected[i].Direct!;
            compared++;
            int[] ours = [.. tokenizer.Encode(corpus[i]).Ids];
            switch (Agreement(vocab, ours, expected[i]))
            {
                case SpmAgreement.Identical:
                    direct++;
                    break;
                case SpmAgreement.GraphemeRule:
                    graphemeRule++;
                    break;
                case SpmAgreement.FloatTie:
                    ties++;
                    break;
                default:
                    bad.Add($"#{i} {JsonSerializer.Serialize(corpus[i][..Math.Min(100, corpus[i].Length)])}\n  ours {string.Join(',', ours.Take(40))}\n  spm  {string.Join(',', e.Take(40))}");
                    break;
            }
        }

        output.WriteLine($"{fixture}/tokenizer.json vs sentencepiece on spm.model (special tokens cut out first): {compared} texts: "
            + $"{direct} identical, {graphemeRule} identical once the text is normalized with the Rust library's grapheme-wise Precompiled rule, "
            + $"{ties} the best-scoring segmentation in double precision where sentencepiece, storing path scores as floats, picks one within float rounding of it, {bad.Count} different");
        Assert.True(bad.Count == 0, $"{bad.Count} of {compared} texts differ:\n" + string.Join("\n", bad.Take(12)));
    }

    /// <summary>
    /// The ids a converted fixture must give, from sentencepiece on its spm.model: "unigram" appends &lt;/s&gt; (1), then
    /// truncates and pads to 64 like the file; "xlmr" shifts every piece one id up (sentencepiece's unknown 0 becomes
    /// 3) and frames with &lt;s&gt; (0) … &lt;/s&gt; (2). Special tokens written in the text are cut out first, as the
    /// Hugging Face library does (leftmost, longest; &lt;mask&gt; also takes the white space before it), and the text
    /// between them is encoded on its own. <c>Direct</c> encodes the text itself; <c>GraphemeRule</c> encodes it after
    /// the Rust library's Precompiled normalizer, which applies the charsmap per grapheme cluster where sentencepiece
    /// applies its longest rule per byte. Null for fixtures that are not conversions.
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
        var sections = corpus.Select(t => Sections(t, tokenizer.SpecialTokens)).ToList();
        string[] texts = [.. sections.SelectMany(s => s).Where(s => s.Text is not null).Select(s => s.Text!)];
        IReadOnlyList<int[]> direct = TokenizerReference.SentencePiece(Path.Combine(dir, "spm.model"), texts);
        IReadOnlyList<int[]> graphemeRule = TokenizerReference.SentencePiece(Path.Combine(dir, "spm.model"), [.. texts.Select(precompiled.Normalize)]);
        var result = new (int[]?, int[]?)[corpus.Count];
        int k = 0;
        for (int i = 0; i < corpus.Count; i++)
        {
            var d = new List<int>();
            var g = new List<int>();
            foreach ((string? text, int special) in sections[i])
            {
                if (text is null)
                {
                    d.Add(special);
                    g.Add(special);
                }
                else
                {
                    d.AddRange(fixture == "xlmr" ? direct[k].Select(Shift) : direct[k]);
                    g.AddRange(fixture == "xlmr" ? graphemeRule[k].Select(Shift) : graphemeRule[k]);
                    k++;
                }
            }

            result[i] = (Frame(fixture, tokenizer, [.. d]), Frame(fixture, tokenizer, [.. g]));
        }

        return result;

        static int Shift(int id) => id == 0 ? 3 : id + 1;
    }

    /// <summary>The text cut at special tokens: (text, -1) for text between them, (null, id) for a token.</summary>
    private static List<(string? Text, int Special)> Sections(string text, IReadOnlyDictionary<string, int> special)
    {
        var result = new List<(string?, int)>();
        int from = 0;
        for (int i = 0; i < text.Length;)
        {
            string? token = special.Keys.Where(k => string.CompareOrdinal(text, i, k, 0, k.Length) == 0).OrderByDescending(k => k.Length).FirstOrDefault();
            if (token is null)
            {
                i++;
                continue;
            }

            int end = i;
            if (token == "<mask>")
            {
                while (end > from && char.IsWhiteSpace(text[end - 1]))
                {
                    end--;
                }
            }

            result.Add((text[from..end], -1));
            result.Add((null, special[token]));
            i += token.Length;
            from = i;
        }

        result.Add((text[from..], -1));
        return result;
    }

    private static int[] Frame(string fixture, HuggingFaceTokenizer tokenizer, int[] spm) => fixture == "unigram"
        ? JavaScriptParityTests.Frame(tokenizer, [.. spm, 1])
        : [0, .. spm, 2];

    /// <summary>The [piece, score] vocabulary of a Unigram tokenizer.json.</summary>
    internal static (string Piece, double Score)[] UnigramVocabulary(string tokenizerJson)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJson));
        return [.. doc.RootElement.GetProperty("model").GetProperty("vocab").EnumerateArray().Select(e => (e[0].GetString()!, e[1].GetDouble()))];
    }

    internal enum SpmAgreement
    {
        None,
        Identical,
        GraphemeRule,
        FloatTie,
    }

    /// <summary>
    /// How our ids of a converted Unigram fixture agree with sentencepiece's: identical; identical once the text is
    /// normalized with the Rust library's grapheme-wise Precompiled rule; or a segmentation of the same string that is
    /// the best in double precision (as the Rust library scores) where sentencepiece's, whose path scores are stored as
    /// floats, is within float rounding of it (at most n·2⁻²³·Σ|score|).
    /// </summary>
    internal static SpmAgreement Agreement((string Piece, double Score)[] vocab, int[] ours, (int[]? Direct, int[]? GraphemeRule) spm)
    {
        if (spm.Direct is not int[] direct)
        {
            return SpmAgreement.None;
        }

        if (ours.SequenceEqual(direct))
        {
            return SpmAgreement.Identical;
        }

        if (ours.SequenceEqual(spm.GraphemeRule!))
        {
            return SpmAgreement.GraphemeRule;
        }

        return IsFloatTie(vocab, ours, direct) || IsFloatTie(vocab, ours, spm.GraphemeRule!) ? SpmAgreement.FloatTie : SpmAgreement.None;
    }

    private static bool IsFloatTie((string Piece, double Score)[] vocab, int[] ours, int[] spm)
    {
        string Text(int[] ids) => string.Concat(ids.Select(id => vocab[id].Piece));
        double Score(int[] ids) => ids.Sum(id => vocab[id].Score);
        double magnitude = spm.Sum(id => Math.Abs(vocab[id].Score));
        double gain = Score(ours) - Score(spm);
        return Text(ours) == Text(spm) && gain >= -1e-9 && gain <= spm.Length * magnitude / (1 << 23);
    }

}
