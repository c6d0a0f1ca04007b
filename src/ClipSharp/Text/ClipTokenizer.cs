using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Text;

/// <summary>
/// OpenAI CLIP's tokenizer, id for id: <c>clip.tokenize(texts, truncate=True)</c>. Text is cleaned like
/// OpenAI's <c>simple_tokenizer.py</c> (see <see cref="Clean"/>), split with CLIP's pre-tokenization pattern,
/// byte-level BPE encoded, framed with start/end-of-text ids, truncated and padded to
/// <see cref="ContextLength"/>. Instances are immutable and safe to share between threads.
/// </summary>
public sealed class ClipTokenizer
{
    /// <summary>OpenAI's context length.</summary>
    internal const int DefaultContextLength = 77;

    private const int MaxSaneContextLength = 65536;
    private const int MaxCacheEntries = 200_000;
    private const string GzName = "bpe_simple_vocab_16e6.txt.gz";

    private readonly BpeVocabulary _vocab;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    private ClipTokenizer(BpeVocabulary vocab, int contextLength, int padId, string[] sourceFiles)
    {
        _vocab = vocab;
        SourceFiles = sourceFiles;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        ContextLength = contextLength;
        PadId = padId;
    }

    /// <summary>The files the tokenizer was read from (full paths: the vocabulary, then tokenizer_config.json when there was one).</summary>
    internal IReadOnlyList<string> SourceFiles { get; }

    /// <summary>Number of ids per tokenized text (77 for OpenAI CLIP).</summary>
    public int ContextLength { get; }

    /// <summary>Id of <c>&lt;|startoftext|&gt;</c> (49406 for CLIP).</summary>
    public int StartOfTextId => _vocab.StartOfTextId;

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c> (49407 for CLIP).</summary>
    public int EndOfTextId => _vocab.EndOfTextId;

    /// <summary>Id written after the end-of-text token (0 like OpenAI unless a tokenizer_config.json or the options say otherwise).</summary>
    public int PadId { get; }

    /// <summary>Number of ids in the vocabulary (49408 for CLIP).</summary>
    public int VocabularySize => _vocab.Count;

    /// <summary>
    /// Loads a tokenizer from a model folder or a vocabulary file.
    /// A folder is searched, then its <c>textual</c> subfolder, for (in order) <c>tokenizer.json</c>,
    /// <c>vocab.json</c> + <c>merges.txt</c>, <c>bpe_simple_vocab_16e6.txt.gz</c>. A file may be any of these
    /// (<c>vocab.json</c> and <c>merges.txt</c> are paired with the other file in the same folder).
    /// A <c>tokenizer_config.json</c> next to the vocabulary supplies <c>model_max_length</c> (context length)
    /// and <c>pad_token</c> (pad id); <paramref name="options"/> override both.
    /// </summary>
    /// <exception cref="ClipSharpException">Kind <see cref="ClipErrorKind.InvalidTokenizer"/> when the files are missing or malformed.</exception>
    public static ClipTokenizer Load(string path, ClipTokenizerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        (BpeVocabulary vocab, string dir, string[] files) = LoadVocabulary(full);

        int contextLength = DefaultContextLength;
        int padId = 0;
        string configPath = System.IO.Path.Combine(dir, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            ReadConfig(configPath, vocab, ref contextLength, ref padId);
            files = [.. files, configPath];
        }

        if (options?.ContextLength is int ctx)
        {
            if (ctx < 2 || ctx > MaxSaneContextLength)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"ContextLength must be between 2 and {MaxSaneContextLength}, got {ctx}", full);
            }

            contextLength = ctx;
        }

        if (options?.PadId is int pad)
        {
            if (pad < 0 || pad >= vocab.Count)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"PadId must be an id of the vocabulary (0..{vocab.Count - 1}), got {pad}", full);
            }

            padId = pad;
        }

        return new ClipTokenizer(vocab, contextLength, padId, files);
    }

    private static (BpeVocabulary Vocab, string Dir, string[] Files) LoadVocabulary(string full)
    {
        if (Directory.Exists(full))
        {
            foreach (string dir in new[] { full, System.IO.Path.Combine(full, "textual") })
            {
                if (!Directory.Exists(dir))
                {
                    continue;
                }

                string tj = System.IO.Path.Combine(dir, "tokenizer.json");
                string vj = System.IO.Path.Combine(dir, "vocab.json");
                string mt = System.IO.Path.Combine(dir, "merges.txt");
                string gz = System.IO.Path.Combine(dir, GzName);
                if (File.Exists(tj))
                {
                    return (BpeVocabulary.LoadTokenizerJson(tj), dir, [tj]);
                }

                if (File.Exists(vj) && File.Exists(mt))
                {
                    return (BpeVocabulary.LoadVocabAndMerges(vj, mt), dir, [vj, mt]);
                }

                if (File.Exists(gz))
                {
                    return (BpeVocabulary.LoadOpenAIGzip(gz), dir, [gz]);
                }
            }

            throw new ClipSharpException(
                ClipErrorKind.InvalidTokenizer,
                $"no tokenizer files found: expected tokenizer.json, vocab.json + merges.txt, or {GzName} in the folder or its textual/ subfolder",
                full);
        }

        if (!File.Exists(full))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "does not exist: expected a model folder or a tokenizer file (tokenizer.json, vocab.json, merges.txt or .txt.gz)", full);
        }

        string folder = System.IO.Path.GetDirectoryName(full) ?? ".";
        string name = System.IO.Path.GetFileName(full);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return (BpeVocabulary.LoadOpenAIGzip(full), folder, [full]);
        }

        if (name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
        {
            string vj = System.IO.Path.Combine(folder, "vocab.json");
            return File.Exists(vj)
                ? (BpeVocabulary.LoadVocabAndMerges(vj, full), folder, [vj, full])
                : throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "a merges file needs vocab.json in the same folder, which is missing", full);
        }

        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            if (TokenizerFiles.LooksLikeTokenizerJson(full))
            {
                return (BpeVocabulary.LoadTokenizerJson(full), folder, [full]);
            }

            string mt = System.IO.Path.Combine(folder, "merges.txt");
            return File.Exists(mt)
                ? (BpeVocabulary.LoadVocabAndMerges(full, mt), folder, [full, mt])
                : throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "a vocab.json needs merges.txt in the same folder, which is missing", full);
        }

        throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"unrecognised tokenizer file: expected tokenizer.json, vocab.json, merges.txt or {GzName}", full);
    }

    private static void ReadConfig(string configPath, BpeVocabulary vocab, ref int contextLength, ref int padId)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(configPath));
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "expected a JSON object", configPath);
            }

            if (root.TryGetProperty("model_max_length", out JsonElement mml) && mml.ValueKind == JsonValueKind.Number
                && mml.TryGetDouble(out double len) && len >= 2 && len <= MaxSaneContextLength && len == Math.Floor(len))
            {
                contextLength = (int)len;
            }

            if (root.TryGetProperty("pad_token", out JsonElement pad))
            {
                string? token = pad.ValueKind switch
                {
                    JsonValueKind.String => pad.GetString(),
                    JsonValueKind.Object when pad.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String => c.GetString(),
                    _ => null,
                };
                if (token is not null)
                {
                    padId = vocab.Encoder.TryGetValue(token, out int id)
                        ? id
                        : throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"pad_token \"{token}\" is not in the vocabulary", configPath);
                }
            }
        }
        catch (JsonException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"not valid JSON: {e.Message}", configPath, e);
        }
        catch (IOException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read: {e.Message}", configPath, e);
        }
    }

    /// <summary>
    /// OpenAI's text cleaning, exactly: <c>whitespace_clean(basic_clean(text)).lower()</c>, that is ftfy 6.3
    /// <c>fix_text</c> (the default fixes; see the Ftfy class for the list), <c>html.unescape</c> twice, strip,
    /// collapse runs of Unicode white space (the <c>regex</c> module's <c>\s</c>) to one space, strip, then
    /// Python's full Unicode lowercasing (U+0130 → "i\u0307", final sigma → ς). Unicode data is CPython 3.11's
    /// (Unicode 14), independent of the .NET runtime and of invariant-globalization mode.
    /// </summary>
    internal static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = Ftfy.FixText(text);
        t = HtmlData.PythonUnescape(HtmlData.PythonUnescape(t));
        t = UnicodeData.PythonStrip(t);
        t = CollapseWhitespace(t);
        t = UnicodeData.PythonStrip(t);
        return UnicodeData.PythonLower(t);
    }

    private static string CollapseWhitespace(string s)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (UnicodeData.IsRegexSpace(c))
            {
                int e = i + 1;
                while (e < s.Length && UnicodeData.IsRegexSpace(s[e]))
                {
                    e++;
                }

                if (sb is null && (e - i > 1 || c != ' '))
                {
                    sb = new StringBuilder(s.Length).Append(s, 0, i);
                }

                sb?.Append(' ');
                i = e - 1;
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? s;
    }

    /// <summary>The BPE ids of the cleaned text, without start/end-of-text ids and without truncation.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        string clean = Clean(text);
        int pos = 0;
        while (PreTokenizer.Next(clean, ref pos, out int start, out int length))
        {
            ids.AddRange(TokenIds(clean.AsSpan(start, length)));
        }

        return ids;
    }

    /// <summary>The BPE pieces of the cleaned text, e.g. "photo&lt;/w&gt;", as OpenAI's <c>bpe()</c> produces them.</summary>
    public IReadOnlyList<string> EncodeToTokens(string text)
    {
        IReadOnlyList<int> ids = Encode(text);
        var pieces = new string[ids.Count];
        for (int i = 0; i < pieces.Length; i++)
        {
            pieces[i] = _vocab.Decoder[ids[i]];
        }

        return pieces;
    }

    /// <summary>
    /// <c>clip.tokenize(text, truncate=True)</c>: start-of-text, the BPE ids, end-of-text, cut to
    /// <see cref="ContextLength"/> with end-of-text forced into the last slot, padded with <see cref="PadId"/>.
    /// </summary>
    public TokenizedText Tokenize(string text)
    {
        var ids = new long[ContextLength];
        Tokenize(text, ids, out int length, out bool truncated, out int untruncated);
        var result = new int[ContextLength];
        int eot = -1;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (int)ids[i];
            if (eot < 0 && i < length && result[i] == EndOfTextId)
            {
                eot = i;
            }
        }

        return new TokenizedText(result, length, eot, truncated, untruncated);
    }

    /// <summary>
    /// Tokenizes into <paramref name="destination"/> (exactly <see cref="ContextLength"/> long, as the model's
    /// int64 input row). <paramref name="length"/> is the number of real tokens including start- and end-of-text;
    /// <paramref name="truncated"/> tells whether the text was cut.
    /// </summary>
    public void Tokenize(string text, Span<long> destination, out int length, out bool truncated)
        => Tokenize(text, destination, out length, out truncated, out _);

    private void Tokenize(string text, Span<long> destination, out int length, out bool truncated, out int untruncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (destination.Length != ContextLength)
        {
            throw new ArgumentException($"destination must hold exactly ContextLength ({ContextLength}) ids, not {destination.Length}", nameof(destination));
        }

        string clean = Clean(text);
        int capacity = ContextLength - 1; // slots before the forced end-of-text
        destination[0] = StartOfTextId;
        int count = 1; // tokens so far, SOT included
        int pos = 0;
        while (PreTokenizer.Next(clean, ref pos, out int start, out int len))
        {
            int[] ids = TokenIds(clean.AsSpan(start, len));
            foreach (int id in ids)
            {
                if (count < capacity)
                {
                    destination[count] = id;
                }

                count++;
            }
        }

        untruncated = count + 1;
        truncated = untruncated > ContextLength;
        if (truncated)
        {
            destination[ContextLength - 1] = EndOfTextId;
            length = ContextLength;
        }
        else
        {
            destination[count] = EndOfTextId;
            length = count + 1;
            destination[length..].Fill(PadId);
        }
    }

    /// <summary>Ids of one pre-token (cached per distinct pre-token; thread-safe).</summary>
    private int[] TokenIds(ReadOnlySpan<char> token)
    {
        if (_cacheLookup.TryGetValue(token, out int[]? cached))
        {
            return cached;
        }

        int[] ids;
        if (token.SequenceEqual(BpeVocabulary.StartOfTextToken))
        {
            ids = [StartOfTextId];
        }
        else if (token.SequenceEqual(BpeVocabulary.EndOfTextToken))
        {
            ids = [EndOfTextId];
        }
        else
        {
            int max = Encoding.UTF8.GetMaxByteCount(token.Length);
            byte[]? rented = null;
            Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
            try
            {
                int n = Encoding.UTF8.GetBytes(token, buffer);
                ids = _vocab.Bpe(buffer[..n]);
            }
            finally
            {
                if (rented is not null)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        if (_cache.Count < MaxCacheEntries)
        {
            _cacheLookup.TryAdd(token, ids);
        }

        return ids;
    }

    /// <summary>
    /// OpenAI's <c>decode</c>: joins the tokens of <paramref name="ids"/>, maps the byte symbols back to bytes,
    /// decodes UTF-8 (invalid sequences become U+FFFD) and turns every "&lt;/w&gt;" into a space. Special and
    /// padding ids are not skipped.
    /// </summary>
    /// <exception cref="ClipSharpException">Kind <see cref="ClipErrorKind.InvalidInput"/> for an id outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        Span<int> byteOf = stackalloc int[512];
        byteOf.Fill(-1);
        char[] map = BpeVocabulary.ByteToUnicode;
        for (int b = 0; b < 256; b++)
        {
            byteOf[map[b]] = b;
        }

        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_vocab.Count)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"id {id} is outside the vocabulary (0..{_vocab.Count - 1})");
            }

            foreach (char c in _vocab.Decoder[id])
            {
                if (c < 512 && byteOf[c] >= 0)
                {
                    bytes.Add((byte)byteOf[c]);
                }
            }
        }

        return Encoding.UTF8.GetString([.. bytes]).Replace(BpeVocabulary.EndOfWord, " ", StringComparison.Ordinal);
    }
}
