using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Text;

/// <summary>
/// A parsed CLIP byte-level BPE vocabulary: id ↔ token, the 256 byte symbols (with and without
/// "&lt;/w&gt;") and the merge table keyed by the ids of the two symbols.
/// </summary>
internal sealed class BpeVocabulary
{
    internal const string StartOfTextToken = "<|startoftext|>";
    internal const string EndOfTextToken = "<|endoftext|>";
    internal const string EndOfWord = "</w>";

    /// <summary>The number of merges OpenAI's simple_tokenizer takes from the .gz file.</summary>
    internal const int OpenAIMergeCount = 49152 - 256 - 2;

    private BpeVocabulary(Dictionary<string, int> encoder, string[] decoder, Dictionary<long, int> pairRanks, int[] rankResult, string source)
    {
        Encoder = encoder;
        Decoder = decoder;
        PairRanks = pairRanks;
        RankResult = rankResult;
        ByteSymbol = new int[256];
        ByteSymbolEnd = new int[256];
        char[] byteChars = ByteToUnicode;
        for (int b = 0; b < 256; b++)
        {
            string sym = byteChars[b].ToString();
            ByteSymbol[b] = Require(sym, source);
            ByteSymbolEnd[b] = Require(sym + EndOfWord, source);
        }

        StartOfTextId = Require(StartOfTextToken, source);
        EndOfTextId = Require(EndOfTextToken, source);
    }

    /// <summary>OpenAI's <c>bytes_to_unicode()</c>: byte → printable char.</summary>
    internal static char[] ByteToUnicode => s_byteTables.Map;

    /// <summary>The bytes in the order <c>bytes_to_unicode()</c> lists them (the .gz vocabulary order).</summary>
    private static byte[] ByteOrder => s_byteTables.Order;

    private static readonly (char[] Map, byte[] Order) s_byteTables = BuildByteToUnicode();

    internal Dictionary<string, int> Encoder { get; }

    internal string[] Decoder { get; }

    /// <summary>(left id, right id) packed as a long → merge rank.</summary>
    internal Dictionary<long, int> PairRanks { get; }

    /// <summary>Merge rank → id of the merged symbol.</summary>
    internal int[] RankResult { get; }

    internal int[] ByteSymbol { get; }

    internal int[] ByteSymbolEnd { get; }

    internal int StartOfTextId { get; }

    internal int EndOfTextId { get; }

    internal int Count => Decoder.Length;

    internal static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private int Require(string token, string source)
        => Encoder.TryGetValue(token, out int id)
            ? id
            : throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"the vocabulary has no token \"{token}\" (expected a CLIP byte-level BPE vocabulary)", source);

    private static (char[] Map, byte[] Order) BuildByteToUnicode()
    {
        var map = new char[256];
        var assigned = new bool[256];
        var list = new List<byte>(256);
        for (int b = 0; b < 256; b++)
        {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
            {
                map[b] = (char)b;
                assigned[b] = true;
                list.Add((byte)b);
            }
        }

        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!assigned[b])
            {
                map[b] = (char)(256 + n++);
                list.Add((byte)b);
            }
        }

        return (map, [.. list]);
    }

    /// <summary>Reads OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c>.</summary>
    internal static BpeVocabulary LoadOpenAIGzip(string path)
    {
        // Only the header and the first OpenAIMergeCount lines are used, so stop reading there.
        var merges = new List<(string, string)>(OpenAIMergeCount);
        try
        {
            using FileStream fs = File.OpenRead(path);
            using var gz = new GZipStream(fs, CompressionMode.Decompress);
            using var reader = new StreamReader(gz, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
            int lineNo = 0;
            while (merges.Count < OpenAIMergeCount && reader.ReadLine() is string line)
            {
                lineNo++;
                if (lineNo == 1)
                {
                    continue; // "#version: 0.2" header
                }

                merges.Add(SplitMerge(line.AsSpan().TrimEnd('\r'), path, lineNo));
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or DecoderFallbackException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read a gzip-compressed BPE merges file: {e.Message}", path, e);
        }

        if (merges.Count < OpenAIMergeCount)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"expected at least {OpenAIMergeCount} merges after the header line, found {merges.Count}", path);
        }

        int vocabSize = 512 + merges.Count + 2;
        var decoder = new string[vocabSize];
        var encoder = new Dictionary<string, int>(vocabSize, StringComparer.Ordinal);
        int id = 0;
        foreach (byte b in ByteOrder)
        {
            decoder[id++] = ByteToUnicode[b].ToString();
        }

        for (int k = 0; k < 256; k++)
        {
            decoder[id++] = decoder[k] + EndOfWord;
        }

        foreach ((string a, string b) in merges)
        {
            decoder[id++] = a + b;
        }

        decoder[id++] = StartOfTextToken;
        decoder[id++] = EndOfTextToken;
        for (int k = 0; k < decoder.Length; k++)
        {
            encoder.TryAdd(decoder[k], k);
        }

        return Build(encoder, decoder, merges, path);
    }

    /// <summary>Reads a Hugging Face <c>vocab.json</c> + <c>merges.txt</c> pair.</summary>
    internal static BpeVocabulary LoadVocabAndMerges(string vocabPath, string mergesPath)
    {
        Dictionary<string, int> encoder;
        try
        {
            byte[] json = File.ReadAllBytes(vocabPath);
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
            encoder = ReadVocabObject(ref reader, vocabPath);
        }
        catch (JsonException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"not a valid vocab.json (expected a JSON object of token → id): {e.Message}", vocabPath, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read the vocabulary: {e.Message}", vocabPath, e);
        }

        string mergesText;
        try
        {
            mergesText = File.ReadAllText(mergesPath, new UTF8Encoding(false, true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read the merges: {e.Message}", mergesPath, e);
        }

        var merges = new List<(string, string)>(50000);
        ReadOnlySpan<char> rest = mergesText;
        int lineNo = 0;
        while (!rest.IsEmpty)
        {
            int nl = rest.IndexOf('\n');
            ReadOnlySpan<char> line = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? [] : rest[(nl + 1)..];
            lineNo++;
            line = line.TrimEnd('\r');
            if (line.IsEmpty || (lineNo == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            merges.Add(SplitMerge(line, mergesPath, lineNo));
        }

        return Build(encoder, DecoderFrom(encoder, vocabPath), merges, mergesPath);
    }

    /// <summary>Reads a Hugging Face <c>tokenizer.json</c> (BPE model).</summary>
    internal static BpeVocabulary LoadTokenizerJson(string path)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            using JsonDocument doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("model", out JsonElement model)
                || model.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "expected a tokenizers JSON object with a \"model\" object");
            }

            if (model.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() != "BPE")
            {
                throw Invalid(path, $"expected model.type \"BPE\", found \"{type.GetString()}\"");
            }

            if (!model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "expected model.vocab to be an object of token → id");
            }

            var encoder = new Dictionary<string, int>(60000, StringComparer.Ordinal);
            foreach (JsonProperty p in vocab.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw Invalid(path, $"model.vocab[\"{p.Name}\"] is not a non-negative integer id");
                }

                encoder[p.Name] = id;
            }

            if (doc.RootElement.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement t in added.EnumerateArray())
                {
                    if (t.ValueKind == JsonValueKind.Object
                        && t.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String
                        && t.TryGetProperty("id", out JsonElement idEl) && idEl.TryGetInt32(out int aid) && aid >= 0)
                    {
                        encoder.TryAdd(c.GetString()!, aid);
                    }
                }
            }

            if (!model.TryGetProperty("merges", out JsonElement mergesEl) || mergesEl.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(path, "expected model.merges to be an array");
            }

            var merges = new List<(string, string)>(mergesEl.GetArrayLength());
            int index = 0;
            foreach (JsonElement m in mergesEl.EnumerateArray())
            {
                index++;
                if (m.ValueKind == JsonValueKind.String)
                {
                    merges.Add(SplitMerge(m.GetString().AsSpan(), path, index, "model.merges entry"));
                }
                else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                    && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                {
                    merges.Add((m[0].GetString()!, m[1].GetString()!));
                }
                else
                {
                    throw Invalid(path, $"model.merges entry {index} is neither \"a b\" nor [\"a\", \"b\"]");
                }
            }

            return Build(encoder, DecoderFrom(encoder, path), merges, path);
        }
        catch (JsonException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"not valid JSON (expected a tokenizers tokenizer.json): {e.Message}", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read the tokenizer: {e.Message}", path, e);
        }
    }

    private static ClipSharpException Invalid(string path, string message) => new(ClipErrorKind.InvalidTokenizer, message, path);

    private static Dictionary<string, int> ReadVocabObject(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid(path, "expected a JSON object of token → id");
        }

        var encoder = new Dictionary<string, int>(60000, StringComparer.Ordinal);
        while (true)
        {
            if (!reader.Read())
            {
                throw Invalid(path, "the JSON object ends early");
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string name = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
            {
                throw Invalid(path, $"the id of \"{name}\" is not a non-negative integer");
            }

            encoder[name] = id;
        }

        return encoder;
    }

    private static string[] DecoderFrom(Dictionary<string, int> encoder, string path)
    {
        if (encoder.Count == 0)
        {
            throw Invalid(path, "the vocabulary is empty");
        }

        int max = 0;
        foreach (int id in encoder.Values)
        {
            max = Math.Max(max, id);
        }

        if (max != encoder.Count - 1)
        {
            throw Invalid(path, $"expected ids 0..{encoder.Count - 1} for {encoder.Count} tokens, found a largest id of {max}");
        }

        var decoder = new string[encoder.Count];
        foreach (KeyValuePair<string, int> kv in encoder)
        {
            if (decoder[kv.Value] is not null)
            {
                throw Invalid(path, $"id {kv.Value} is used by both \"{decoder[kv.Value]}\" and \"{kv.Key}\"");
            }

            decoder[kv.Value] = kv.Key;
        }

        return decoder;
    }

    private static (string, string) SplitMerge(ReadOnlySpan<char> line, string path, int lineNo, string what = "line")
    {
        int sp = line.IndexOf(' ');
        if (sp <= 0 || sp == line.Length - 1 || line[(sp + 1)..].IndexOfAny(' ', '\t') >= 0 || line[..sp].IndexOf('\t') >= 0)
        {
            throw Invalid(path, $"{what} {lineNo} is not a merge of two symbols separated by one space: \"{Truncate(line)}\"");
        }

        return (line[..sp].ToString(), line[(sp + 1)..].ToString());
    }

    private static string Truncate(ReadOnlySpan<char> s) => s.Length <= 60 ? s.ToString() : string.Concat(s[..60], "…");

    private static BpeVocabulary Build(Dictionary<string, int> encoder, string[] decoder, List<(string A, string B)> merges, string source)
    {
        var ranks = new Dictionary<long, int>(merges.Count);
        var result = new int[merges.Count];
        for (int r = 0; r < merges.Count; r++)
        {
            (string a, string b) = merges[r];
            if (!encoder.TryGetValue(a, out int ia) || !encoder.TryGetValue(b, out int ib))
            {
                throw Invalid(source, $"merge {r + 1} (\"{a} {b}\") uses a symbol that is not in the vocabulary");
            }

            string merged = string.Concat(a, b);
            if (!encoder.TryGetValue(merged, out int im))
            {
                throw Invalid(source, $"merge {r + 1} (\"{a} {b}\") makes \"{merged}\", which is not in the vocabulary");
            }

            ranks[PairKey(ia, ib)] = r; // like dict(zip(merges, range(n))): a repeated pair keeps its last rank
            result[r] = im;
        }

        return new BpeVocabulary(encoder, decoder, ranks, result, source);
    }

    /// <summary>Runs BPE over one pre-token's UTF-8 bytes; appends the resulting ids.</summary>
    internal int[] Bpe(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0)
        {
            return [];
        }

        int[] rented = ArrayPool<int>.Shared.Rent(utf8.Length);
        try
        {
            Span<int> word = rented.AsSpan(0, utf8.Length);
            for (int i = 0; i < utf8.Length - 1; i++)
            {
                word[i] = ByteSymbol[utf8[i]];
            }

            word[^1] = ByteSymbolEnd[utf8[^1]];
            int n = word.Length;
            while (n > 1)
            {
                int bestRank = int.MaxValue;
                int left = 0, right = 0;
                for (int i = 0; i < n - 1; i++)
                {
                    if (PairRanks.TryGetValue(PairKey(word[i], word[i + 1]), out int r) && r < bestRank)
                    {
                        bestRank = r;
                        left = word[i];
                        right = word[i + 1];
                    }
                }

                if (bestRank == int.MaxValue)
                {
                    break;
                }

                int merged = RankResult[bestRank];
                int w = 0;
                for (int i = 0; i < n;)
                {
                    if (i < n - 1 && word[i] == left && word[i + 1] == right)
                    {
                        word[w++] = merged;
                        i += 2;
                    }
                    else
                    {
                        word[w++] = word[i++];
                    }
                }

                n = w;
            }

            return word[..n].ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }
}
