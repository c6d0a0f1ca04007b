using System.Text.Json;

using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

/// <summary>Golden data and tokenizers shared by the tokenizer tests (loaded once).</summary>
internal static class TokenizerTestData
{
    private static readonly Lazy<ClipTokenizer> s_gz = new(() => ClipTokenizer.Load(GzPath));

    public static string GzPath => TestData.Path("tokenizer", "openai", "bpe_simple_vocab_16e6.txt.gz");

    public static string HfDir => TestData.Path("tokenizer", "hf");

    /// <summary>The OpenAI .gz vocabulary (pad 0, like clip.tokenize).</summary>
    public static ClipTokenizer OpenAI => s_gz.Value;

    public sealed record GoldenText(string Set, string Text, string Clean, int[] Ids, int NTokens, int EotIndex, int NTokensUntruncated, bool Truncated, string[] Bpe);

    public sealed record OpenAICase(string Category, string Text, string Normalized, int[] Ids, string[] Tokens, string Decoded, int[] Padded, int NumTokens, bool Exceeds);

    public static IReadOnlyList<GoldenText> Golden()
    {
        var all = new List<GoldenText>();
        foreach (string set in new[] { "labels", "labels_skimage", "corpus" })
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", set, "tokens.json")));
            foreach (JsonElement e in doc.RootElement.EnumerateArray())
            {
                all.Add(new GoldenText(
                    set,
                    e.GetProperty("text").GetString()!,
                    e.GetProperty("clean").GetString()!,
                    Ints(e.GetProperty("ids")),
                    e.GetProperty("n_tokens").GetInt32(),
                    e.GetProperty("eot_index").GetInt32(),
                    e.GetProperty("n_tokens_untruncated").GetInt32(),
                    e.GetProperty("truncated").GetBoolean(),
                    [.. e.GetProperty("bpe").EnumerateArray().Select(x => x.GetString()!)]));
            }
        }

        return all;
    }

    public static IReadOnlyList<OpenAICase> OpenAICases()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("tokenizer", "expected_openai_tokens.json")));
        var all = new List<OpenAICase>();
        foreach (JsonElement e in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            all.Add(new OpenAICase(
                e.GetProperty("category").GetString()!,
                e.GetProperty("text").GetString()!,
                e.GetProperty("normalized").GetString()!,
                Ints(e.GetProperty("ids")),
                [.. e.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!)],
                e.GetProperty("decoded").GetString()!,
                Ints(e.GetProperty("openai_padded_77")),
                e.GetProperty("num_tokens_with_sot_eot").GetInt32(),
                e.GetProperty("exceeds_context").GetBoolean()));
        }

        return all;
    }

    public static string Show(string s)
    {
        var sb = new System.Text.StringBuilder();
        foreach (char c in s)
        {
            if (c >= 0x20 && c < 0x7F)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static int[] Ints(JsonElement a) => [.. a.EnumerateArray().Select(x => x.GetInt32())];
}
