using System.Text;

namespace ClipSharp.Text.SentencePiece;

/// <summary>
/// A SentencePiece <c>.model</c> file encoded exactly as Google's sentencepiece (0.1.97, the version Debian ships and
/// the tests compare with) encodes it: its normalizer (longest charsmap rule at each byte, leading/trailing/repeated
/// spaces removed, a dummy "▁" prefix, spaces escaped as "▁"), then its Unigram (optimized Viterbi in float) or BPE
/// (highest-scoring pair first) model, unknown runs merged or written as byte pieces with byte fallback. The ids are
/// those of <c>sp.encode(text)</c>: no beginning- or end-of-sentence ids (a .model does not say whether its model
/// wants them).
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' SentencePieceTokenizer was measured against sentencepiece on the test corpus and differs
/// on about a tenth of the texts (white space at the edges, tabs and newlines, near-tie segmentations), so this reader
/// is the library's own. Strings are handled as UTF-8 bytes, as sentencepiece handles them; a byte string is kept in a
/// .NET string one char per byte (Latin-1) so that it can key dictionaries.
/// </remarks>
internal sealed class SentencePieceTokenizerFile : ITokenIdEncoder
{
    private const int MaxFileBytes = 512 << 20;
    private const float UnknownPenalty = 10.0f;
    private const string SpaceSymbol = "\u2581";

    private readonly SentencePieceModel _model;
    private readonly DartsCharsMap? _charsMap;
    private readonly Dictionary<string, int> _pieces = new(StringComparer.Ordinal); // normal, user-defined, unused (byte-string keys)
    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal); // control, unknown, byte
    private readonly string[] _tokens;
    private readonly int _unkId;
    private readonly float _minScore = float.MaxValue;
    private readonly float _maxScore = 1.17549435E-38f; // FLT_MIN, as sentencepiece starts it
    private readonly HashSet<string> _userDefined = new(StringComparer.Ordinal);
    private readonly int _maxUserDefinedLength;

    // Unigram: the pieces as a trie over their bytes.
    private readonly CharTrie<int> _trie = new();

    private SentencePieceTokenizerFile(SentencePieceModel model, string file)
    {
        _model = model;
        if (model.PrecompiledCharsMap.Length > 0)
        {
            _charsMap = DartsCharsMap.Parse(model.PrecompiledCharsMap) ?? throw Invalid(file, "its precompiled_charsmap is malformed");
        }

        _tokens = new string[model.Pieces.Count];
        _unkId = -1;
        for (int i = 0; i < model.Pieces.Count; i++)
        {
            (string piece, float score, SentencePieceModel.PieceType type) = model.Pieces[i];
            _tokens[i] = piece;
            if (piece.Length == 0)
            {
                throw Invalid(file, $"piece {i} is empty");
            }

            string key = ByteString(piece);
            bool normal = type is SentencePieceModel.PieceType.Normal or SentencePieceModel.PieceType.UserDefined or SentencePieceModel.PieceType.Unused;
            if (!(normal ? _pieces : _reserved).TryAdd(key, i))
            {
                throw Invalid(file, $"piece {piece} is defined twice");
            }

            switch (type)
            {
                case SentencePieceModel.PieceType.UserDefined:
                    _userDefined.Add(key);
                    _maxUserDefinedLength = Math.Max(_maxUserDefinedLength, key.Length);
                    break;
                case SentencePieceModel.PieceType.Unknown:
                    _unkId = _unkId < 0 ? i : throw Invalid(file, "it defines two unknown pieces");
                    break;
                case SentencePieceModel.PieceType.Byte when !model.ByteFallback:
                    throw Invalid(file, $"byte piece {piece} is present although byte_fallback is off");
                case SentencePieceModel.PieceType.Normal:
                    _minScore = Math.Min(_minScore, score);
                    _maxScore = Math.Max(_maxScore, score);
                    break;
            }
        }

        if (_unkId < 0)
        {
            throw Invalid(file, "it defines no unknown piece");
        }

        if (model.ModelType == 1)
        {
            foreach ((string key, int id) in _pieces)
            {
                _trie.Add(key, id);
            }
        }
    }

    public int VocabularySize => _tokens.Length;

    /// <exception cref="ClipSharpException">The file cannot be read, is not a SentencePiece model, or uses a model type other than Unigram or BPE.</exception>
    public static SentencePieceTokenizerFile Load(string path)
    {
        byte[] data;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes)
            {
                throw Invalid(path, $"it is {info.Length} bytes; a SentencePiece model over {MaxFileBytes} bytes is refused");
            }

            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read: {e.Message}", path, e);
        }

        SentencePieceModel model;
        try
        {
            model = SentencePieceModel.Parse(data);
        }
        catch (InvalidDataException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"not a SentencePiece model (protobuf ModelProto): {e.Message}", path, e);
        }

        if (model.Pieces.Count == 0)
        {
            throw Invalid(path, "it has no pieces");
        }

        if (model.ModelType is not (1 or 2))
        {
            throw Invalid(path, $"unsupported SentencePiece model type {(model.ModelType == 3 ? "WORD" : model.ModelType == 4 ? "CHAR" : model.ModelType.ToString(System.Globalization.CultureInfo.InvariantCulture))} (Unigram and BPE are supported)");
        }

        return new SentencePieceTokenizerFile(model, path);
    }

    private static ClipSharpException Invalid(string file, string message) => new(ClipErrorKind.InvalidTokenizer, $"not a usable SentencePiece model: {message}", file);

    public int? TokenToId(string token)
        => _pieces.TryGetValue(ByteString(token), out int id) || _reserved.TryGetValue(ByteString(token), out id) ? id : null;

    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public List<int> Encode(string text, bool parseSpecial)
    {
        string normalized = Normalize(Encoding.UTF8.GetBytes(text));
        List<(string Piece, int Id)> pieces = _model.ModelType == 1 ? EncodeUnigram(normalized) : EncodeBpe(normalized);
        var ids = new List<int>(pieces.Count);
        bool previousUnknown = false;
        foreach ((string piece, int id) in pieces)
        {
            bool unknown = id == _unkId;
            if (unknown && _model.ByteFallback)
            {
                foreach (char b in piece)
                {
                    ids.Add(PieceToId(ByteString($"<0x{(int)b:X2}>")));
                }
            }
            else if (!(unknown && previousUnknown))
            {
                // A run of unknown pieces is one unknown id.
                ids.Add(id);
            }

            previousUnknown = unknown;
        }

        return ids;
    }

    private int PieceToId(string key) => _reserved.TryGetValue(key, out int id) || _pieces.TryGetValue(key, out id) ? id : _unkId;

    /// <summary>sentencepiece's <c>Normalizer::Normalize</c>, on UTF-8 bytes; returns a byte string.</summary>
    private string Normalize(byte[] input)
    {
        var output = new StringBuilder(input.Length + 8);
        int pos = 0;
        var matches = new List<(int Length, int Value)>(4);
        if (_model.RemoveExtraWhitespaces)
        {
            while (pos < input.Length)
            {
                (string sp, int n) = NormalizePrefix(input, pos, matches);
                if (sp != " ")
                {
                    break;
                }

                pos += n;
            }
        }

        if (pos == input.Length)
        {
            return "";
        }

        string space = _model.EscapeWhitespaces ? ByteString(SpaceSymbol) : " ";
        if (!_model.TreatWhitespaceAsSuffix && _model.AddDummyPrefix)
        {
            output.Append(space);
        }

        bool previousSpace = _model.RemoveExtraWhitespaces;
        while (pos < input.Length)
        {
            (string sp, int n) = NormalizePrefix(input, pos, matches);
            int start = 0;
            while (previousSpace && start < sp.Length && sp[start] == ' ')
            {
                start++;
            }

            if (start < sp.Length)
            {
                for (int k = start; k < sp.Length; k++)
                {
                    if (_model.EscapeWhitespaces && sp[k] == ' ')
                    {
                        output.Append(space);
                    }
                    else
                    {
                        output.Append(sp[k]);
                    }
                }

                previousSpace = sp[^1] == ' ';
            }

            pos += n;
            if (!_model.RemoveExtraWhitespaces)
            {
                previousSpace = false;
            }
        }

        if (_model.RemoveExtraWhitespaces)
        {
            while (output.Length >= space.Length && output.ToString(output.Length - space.Length, space.Length) == space)
            {
                output.Length -= space.Length;
            }
        }

        if (_model.TreatWhitespaceAsSuffix && _model.AddDummyPrefix)
        {
            output.Append(space);
        }

        return output.ToString();
    }

    /// <summary>sentencepiece's <c>NormalizePrefix</c>: (replacement, bytes consumed) at <paramref name="pos"/>.</summary>
    private (string Replacement, int Consumed) NormalizePrefix(byte[] input, int pos, List<(int Length, int Value)> matches)
    {
        if (_maxUserDefinedLength > 0)
        {
            // User-defined symbols pass through unnormalized (the longest one that starts here).
            for (int len = Math.Min(_maxUserDefinedLength, input.Length - pos); len > 0; len--)
            {
                string candidate = ByteString(input.AsSpan(pos, len));
                if (_userDefined.Contains(candidate))
                {
                    return (candidate, len);
                }
            }
        }

        if (_charsMap is not null)
        {
            _charsMap.PrefixMatches(input.AsSpan(pos), matches);
            if (matches.Count > 0)
            {
                (int length, int value) = matches[^1]; // the longest rule
                return (ByteString(_charsMap.Replacement(value)), length);
            }
        }

        int n = Utf8Length(input, pos);
        return n > 0 ? (ByteString(input.AsSpan(pos, n)), n) : (ByteString("\uFFFD"), 1);
    }

    /// <summary>The length of the valid UTF-8 character at <paramref name="pos"/>, or 0 when it is malformed.</summary>
    private static int Utf8Length(byte[] s, int pos)
        => System.Text.Rune.DecodeFromUtf8(s.AsSpan(pos), out _, out int n) == System.Buffers.OperationStatus.Done ? n : 0;

    /// <summary>sentencepiece's length of the character that starts with byte <paramref name="b"/> (its OneCharLen).</summary>
    private static int OneCharLength(char b) => "\x1\x1\x1\x1\x1\x1\x1\x1\x1\x1\x1\x1\x2\x2\x3\x4"[b >> 4];

    /// <summary>sentencepiece's <c>unigram::Model::EncodeOptimized</c>, in float as it computes.</summary>
    private List<(string, int)> EncodeUnigram(string normalized)
    {
        int size = normalized.Length;
        var score = new float[size + 1];
        var startsAt = new int[size + 1];
        var ids = new int[size + 1];
        Array.Fill(startsAt, -1);
        float unkScore = _minScore - UnknownPenalty;
        for (int start = 0; start < size;)
        {
            float till = score[start];
            bool hasSingle = false;
            int charLength = Math.Min(OneCharLength(normalized[start]), size - start);
            int node = CharTrie<int>.Root;
            for (int k = start; k < size; k++)
            {
                if (!_trie.Step(ref node, normalized[k]))
                {
                    break;
                }

                if (!_trie.TryGetValue(node, out int id) || _model.Pieces[id].Type == SentencePieceModel.PieceType.Unused)
                {
                    continue;
                }

                int end = k + 1;
                int length = end - start;
                // As in the C++: the piece score is a double (the user-defined branch of its conditional makes it one;
                // user-defined symbols get a bonus that makes them win), the path score is added in double, compared
                // with the stored float, and stored as a float. Exact ties break differently in any other precision.
                double pieceScore = _model.Pieces[id].Type == SentencePieceModel.PieceType.UserDefined
                    ? (float)(length * _maxScore) - 0.1
                    : _model.Pieces[id].Score;
                double candidate = pieceScore + till;
                if (startsAt[end] < 0 || candidate > score[end])
                {
                    score[end] = (float)candidate;
                    startsAt[end] = start;
                    ids[end] = id;
                }

                hasSingle |= length == charLength;
            }

            if (!hasSingle)
            {
                int end = start + charLength;
                float candidate = unkScore + till;
                if (startsAt[end] < 0 || candidate > score[end])
                {
                    score[end] = candidate;
                    startsAt[end] = start;
                    ids[end] = _unkId;
                }
            }

            start += charLength;
        }

        var result = new List<(string, int)>();
        for (int end = size; end > 0; end = startsAt[end])
        {
            result.Add((normalized[startsAt[end]..end], ids[end]));
        }

        result.Reverse();
        return result;
    }

    /// <summary>sentencepiece's <c>bpe::Model::Encode</c>: the highest-scoring adjacent pair that is a piece merged first, leftmost among equals.</summary>
    private List<(string, int)> EncodeBpe(string normalized)
    {
        var pieces = new List<string>();
        var frozen = new List<bool>();
        for (int pos = 0; pos < normalized.Length;)
        {
            int n = 0;
            for (int len = Math.Min(_maxUserDefinedLength, normalized.Length - pos); len > 0 && n == 0; len--)
            {
                if (_userDefined.Contains(normalized.Substring(pos, len)))
                {
                    n = len;
                }
            }

            frozen.Add(n > 0);
            n = n > 0 ? n : Math.Min(OneCharLength(normalized[pos]), normalized.Length - pos);
            pieces.Add(normalized.Substring(pos, n));
            pos += n;
        }

        int count = pieces.Count;
        var prev = new int[count];
        var next = new int[count];
        for (int i = 0; i < count; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        var reverseMerge = new Dictionary<string, (string Left, string Right)>(StringComparer.Ordinal);
        var agenda = new PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)>(BpeOrder.Instance);
        void MaybeAdd(int left, int right)
        {
            if (left < 0 || right < 0 || frozen[left] || frozen[right])
            {
                return;
            }

            string merged = pieces[left] + pieces[right];
            if (!_pieces.TryGetValue(merged, out int id))
            {
                return;
            }

            agenda.Enqueue((left, right, merged.Length), (_model.Pieces[id].Score, left));
            if (_model.Pieces[id].Type == SentencePieceModel.PieceType.Unused)
            {
                reverseMerge[merged] = (pieces[left], pieces[right]);
            }
        }

        for (int i = 1; i < count; i++)
        {
            MaybeAdd(i - 1, i);
        }

        while (agenda.TryDequeue(out var top, out _))
        {
            if (pieces[top.Left].Length == 0 || pieces[top.Right].Length == 0 || pieces[top.Left].Length + pieces[top.Right].Length != top.Size)
            {
                continue; // stale
            }

            pieces[top.Left] += pieces[top.Right];
            next[top.Left] = next[top.Right];
            if (next[top.Right] >= 0)
            {
                prev[next[top.Right]] = top.Left;
            }

            pieces[top.Right] = "";
            MaybeAdd(prev[top.Left], top.Left);
            MaybeAdd(top.Left, next[top.Left]);
        }

        var result = new List<(string, int)>();
        void Resegment(string w)
        {
            int id = PieceToId(w);
            if (id != _unkId && _model.Pieces[id].Type == SentencePieceModel.PieceType.Unused && reverseMerge.TryGetValue(w, out var parts))
            {
                Resegment(parts.Left);
                Resegment(parts.Right);
                return;
            }

            result.Add((w, id));
        }

        for (int i = count == 0 ? -1 : 0; i >= 0; i = next[i])
        {
            Resegment(pieces[i]);
        }

        return result;
    }

    /// <summary>A UTF-16 string as its UTF-8 bytes, one char per byte.</summary>
    private static string ByteString(string text) => ByteString(Encoding.UTF8.GetBytes(text));

    private static string ByteString(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>sentencepiece's agenda order: higher score first, then the leftmost pair.</summary>
    private sealed class BpeOrder : IComparer<(float Score, int Left)>
    {
        public static readonly BpeOrder Instance = new();

        public int Compare((float Score, int Left) x, (float Score, int Left) y)
            => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Left.CompareTo(y.Left);
    }
}
