using System.Text.Json;
using ClipSharp.Text.Models;
using ClipSharp.Text.Normalizers;
using ClipSharp.Text.PostProcessors;
using ClipSharp.Text.PreTokenizers;

namespace ClipSharp.Text;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> (normalizer, pre-tokenizer, BPE/Unigram/WordPiece model, post-processor,
/// added tokens, truncation and padding), or a SentencePiece <c>.model</c>, producing the ids the Hugging Face
/// library produces. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Supported components: normalizers NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend,
/// Precompiled, BertNormalizer, Sequence; pre-tokenizers ByteLevel, Metaspace, Whitespace, WhitespaceSplit, Split,
/// Punctuation, Digits, CharDelimiterSplit, BertPreTokenizer, Sequence; models BPE, Unigram, WordPiece;
/// post-processors TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence. The decoder is not
/// read (only encoding is offered). Any other component is refused at load with its type and the file named.
/// </remarks>
public sealed class HuggingFaceTokenizer
{
    private const long MaxFileBytes = 1L << 30;

    private readonly ITokenIdEncoder _encoder;
    private readonly PostProcessor? _postProcessor;
    private readonly TruncationSettings? _truncation;
    private readonly PaddingSettings? _padding;
    private readonly HuggingFaceTokenizerOptions _options;

    private HuggingFaceTokenizer(ITokenIdEncoder encoder, PostProcessor? postProcessor, TruncationSettings? truncation,
        PaddingSettings? padding, IReadOnlyDictionary<string, int> specialTokens, HuggingFaceTokenizerOptions options)
    {
        _encoder = encoder;
        _postProcessor = postProcessor;
        _truncation = truncation;
        _padding = padding;
        _options = options;
        SpecialTokens = specialTokens;
    }

    /// <summary>One more than the largest id (model vocabulary and added tokens).</summary>
    public int VocabularySize => _encoder.VocabularySize;

    /// <summary>The most ids a text gets (special tokens included), or null when texts are not truncated.</summary>
    public int? MaxLength => _truncation?.MaxLength;

    /// <summary>The length every text is padded to, or null when texts are not padded to a fixed length.</summary>
    public int? PaddedLength => _padding?.FixedLength;

    /// <summary>The id written into padding, or null when the tokenizer does not pad.</summary>
    public int? PadId => _padding?.PadId;

    /// <summary>The special tokens of <c>added_tokens</c> (content → id), e.g. "&lt;s&gt;" → 0.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The id of a token (vocabulary entry or added token), or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _encoder.TokenToId(token);
    }

    /// <summary>The token of an id, or null.</summary>
    public string? IdToToken(int id) => _encoder.IdToToken(id);

    /// <summary>
    /// Whether <paramref name="path"/> is a file this class reads rather than one of the CLIP vocabulary formats
    /// <see cref="ClipTokenizer"/> reads: a SentencePiece <c>.model</c>, or a <c>tokenizer.json</c> (any JSON file that
    /// is not a <c>vocab.json</c> token → id map).
    /// </summary>
    internal static bool IsTokenizerFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(path) && (path.EndsWith(".model", StringComparison.OrdinalIgnoreCase)
            || (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && TokenizerFiles.LooksLikeTokenizerJson(path)));
    }

    /// <summary>
    /// Loads a <c>tokenizer.json</c> or a SentencePiece <c>.model</c> file, or the <c>tokenizer.json</c> of a folder
    /// (or of its <c>textual</c> subfolder).
    /// </summary>
    /// <exception cref="ClipSharpException">Kind <see cref="ClipErrorKind.InvalidTokenizer"/> when the file is missing,
    /// malformed, or uses a component this engine does not implement (named with the file).</exception>
    public static HuggingFaceTokenizer Load(string path, HuggingFaceTokenizerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new HuggingFaceTokenizerOptions();
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            full = new[] { full, Path.Combine(full, "textual") }.Select(d => Path.Combine(d, "tokenizer.json")).FirstOrDefault(File.Exists)
                ?? throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "no tokenizer.json in the folder or its textual/ subfolder", full);
        }
        else if (!File.Exists(full))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "does not exist: expected a tokenizer.json or a SentencePiece .model file", full);
        }

        if (options.Length is < 1 or > 1_000_000)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"Length must be between 1 and 1000000, got {options.Length}", full);
        }

        if (full.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
        {
            return Create(SentencePiece.SentencePieceTokenizerFile.Load(full), null, null, null, new Dictionary<string, int>(), options, full);
        }

        return LoadJson(full, options);
    }

    private static HuggingFaceTokenizer LoadJson(string file, HuggingFaceTokenizerOptions options)
    {
        JsonDocument doc;
        try
        {
            using FileStream stream = File.OpenRead(file);
            if (stream.Length > MaxFileBytes)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"is {stream.Length} bytes; a tokenizer.json over {MaxFileBytes} bytes is refused", file);
            }

            doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"not valid JSON: {e.Message}", file, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read: {e.Message}", file, e);
        }

        using (doc)
        {
            var root = new TokenizerJsonNode(doc.RootElement, file, "tokenizer.json");
            Normalizer? normalizer = root.TryObject("normalizer", out TokenizerJsonNode n) ? Normalizer.Create(n) : null;
            PreTokenizerStep? preTokenizer = root.TryObject("pre_tokenizer", out TokenizerJsonNode p) ? PreTokenizerStep.Create(p) : null;
            TokenizerModel model = TokenizerModel.Create(root.Object("model"));
            PostProcessor? post = root.TryObject("post_processor", out TokenizerJsonNode pp) ? PostProcessor.Create(pp) : null;
            List<AddedToken> added = [.. root.Objects("added_tokens").Select(AddedToken.Create)];
            TruncationSettings? truncation = root.TryObject("truncation", out TokenizerJsonNode t) ? TruncationSettings.Create(t) : null;
            PaddingSettings? padding = root.TryObject("padding", out TokenizerJsonNode pd) ? PaddingSettings.Create(pd) : null;
            var special = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (AddedToken token in added.Where(a => a.Special))
            {
                special[token.Content] = token.Id;
            }

            return Create(new TokenizerPipeline(normalizer, preTokenizer, model, added), post, truncation, padding, special, options, file);
        }
    }

    private static HuggingFaceTokenizer Create(ITokenIdEncoder encoder, PostProcessor? post, TruncationSettings? truncation,
        PaddingSettings? padding, Dictionary<string, int> special, HuggingFaceTokenizerOptions options, string file)
    {
        if (options.Length is int length)
        {
            int padId = options.PadId ?? padding?.PadId ?? encoder.TokenToId("<pad>")
                ?? throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, "Length needs a pad id: the file has no padding settings and no <pad> token (give PadId)", file);
            truncation = new TruncationSettings(length, truncation?.FromLeft ?? false);
            padding = new PaddingSettings(length, null, padId, padding?.PadTypeId ?? 0, padding?.Left ?? false);
        }
        else if (options.PadId is int padId && padding is not null)
        {
            padding = padding with { PadId = padId };
        }

        int added = options.AddSpecialTokens ? post?.AddedCount ?? 0 : 0;
        if (truncation is not null && truncation.MaxLength < added)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer,
                $"truncation max_length {truncation.MaxLength} leaves no room for the {added} special tokens the post-processor adds", file);
        }

        return new HuggingFaceTokenizer(encoder, post, truncation, padding, special, options);
    }

    /// <summary>Encodes one text: ids framed by the post-processor, truncated and padded as the file (or the options) say.</summary>
    /// <exception cref="ClipSharpException">Kind <see cref="ClipErrorKind.InvalidInput"/> for a text longer than <see cref="HuggingFaceTokenizerOptions.MaxTextLength"/>.</exception>
    public TokenizerEncoding Encode(string text) => EncodeBatch([text])[0];

    /// <summary>Encodes texts; with batch-longest padding they are padded to the longest of them.</summary>
    public IReadOnlyList<TokenizerEncoding> EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var framed = new List<(List<int> Ids, List<int> Types, bool Truncated)>(texts.Count);
        foreach (string text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            framed.Add(Frame(text));
        }

        int target = _padding is null ? 0 : _padding.Target(framed.Count == 0 ? 0 : framed.Max(f => f.Ids.Count));
        var result = new TokenizerEncoding[framed.Count];
        for (int i = 0; i < framed.Count; i++)
        {
            (List<int> ids, List<int> types, bool truncated) = framed[i];
            int length = ids.Count;
            int pad = Math.Max(0, target - length);
            var outIds = new int[length + pad];
            var mask = new int[length + pad];
            var outTypes = new int[length + pad];
            int offset = _padding?.Left == true ? pad : 0;
            for (int k = 0; k < outIds.Length; k++)
            {
                bool real = k >= offset && k < offset + length;
                outIds[k] = real ? ids[k - offset] : _padding!.PadId;
                outTypes[k] = real ? types[k - offset] : _padding!.PadTypeId;
                mask[k] = real ? 1 : 0;
            }

            result[i] = new TokenizerEncoding(outIds, mask, outTypes, length, truncated);
        }

        return result;
    }

    /// <summary>The text's ids, truncated to leave room for the special tokens, then framed by the post-processor.</summary>
    private (List<int> Ids, List<int> Types, bool Truncated) Frame(string text)
    {
        if (text.Length > _options.MaxTextLength)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the text has {text.Length} characters; at most {_options.MaxTextLength} are tokenized (HuggingFaceTokenizerOptions.MaxTextLength)");
        }

        List<int> ids = _encoder.Encode(TextRunes.ReplaceLoneSurrogates(text), _options.ParseSpecialTokens);
        bool truncated = false;
        bool addSpecial = _options.AddSpecialTokens && _postProcessor is not null;
        if (_truncation is not null)
        {
            int room = _truncation.MaxLength - (addSpecial ? _postProcessor!.AddedCount : 0);
            if (ids.Count > room)
            {
                truncated = true;
                ids = _truncation.FromLeft ? ids.GetRange(ids.Count - room, room) : ids.GetRange(0, room);
            }
        }

        var types = new List<int>(new int[ids.Count]);
        if (!addSpecial)
        {
            return (ids, types, truncated);
        }

        (List<int> framedIds, List<int> framedTypes) = _postProcessor!.Process(ids, types);
        return (framedIds, framedTypes, truncated);
    }
}
