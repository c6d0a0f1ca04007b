using ClipSharp.Inference.Onnx;

namespace ClipSharp.Text.SentencePiece;

/// <summary>What a SentencePiece <c>.model</c> (a <c>ModelProto</c> protobuf) holds that encoding needs.</summary>
internal sealed class SentencePieceModel
{
    /// <summary>The piece types of <c>ModelProto.SentencePiece.Type</c>.</summary>
    internal enum PieceType
    {
        Normal = 1,
        Unknown = 2,
        Control = 3,
        UserDefined = 4,
        Unused = 5,
        Byte = 6,
    }

    public List<(string Piece, float Score, PieceType Type)> Pieces { get; } = [];

    /// <summary>1 Unigram, 2 BPE, 3 word, 4 char (<c>TrainerSpec.model_type</c>).</summary>
    public int ModelType { get; private set; } = 1;

    public bool ByteFallback { get; private set; }

    public bool TreatWhitespaceAsSuffix { get; private set; }

    public byte[] PrecompiledCharsMap { get; private set; } = [];

    public bool AddDummyPrefix { get; private set; } = true;

    public bool RemoveExtraWhitespaces { get; private set; } = true;

    public bool EscapeWhitespaces { get; private set; } = true;

    /// <exception cref="InvalidDataException">The bytes are not a ModelProto.</exception>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> data)
    {
        var m = new SentencePieceModel();
        var r = new ProtoReader(data, 0, data.Length);
        while (!r.AtEnd)
        {
            (int field, int wireType) = r.ReadTag();
            switch (field, wireType)
            {
                case (1, 2):
                    (int s, int e) = r.ReadLengthDelimited();
                    m.Pieces.Add(ParsePiece(data, s, e));
                    break;
                case (2, 2):
                    (int ts, int te) = r.ReadLengthDelimited();
                    m.ParseTrainerSpec(data, ts, te);
                    break;
                case (3, 2):
                    (int ns, int ne) = r.ReadLengthDelimited();
                    m.ParseNormalizerSpec(data, ns, ne);
                    break;
                default:
                    r.Skip(wireType);
                    break;
            }
        }

        return m;
    }

    private static (string, float, PieceType) ParsePiece(ReadOnlySpan<byte> data, int start, int end)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        var r = new ProtoReader(data, start, end);
        while (!r.AtEnd)
        {
            (int field, int wireType) = r.ReadTag();
            switch (field, wireType)
            {
                case (1, 2):
                    piece = r.ReadString();
                    break;
                case (2, 5):
                    score = r.ReadFloat();
                    break;
                case (3, 0):
                    ulong t = r.ReadVarint();
                    type = t is >= 1 and <= 6 ? (PieceType)(int)t : throw new InvalidDataException($"piece type {t}");
                    break;
                default:
                    r.Skip(wireType);
                    break;
            }
        }

        return (piece, score, type);
    }

    private void ParseTrainerSpec(ReadOnlySpan<byte> data, int start, int end)
    {
        var r = new ProtoReader(data, start, end);
        while (!r.AtEnd)
        {
            (int field, int wireType) = r.ReadTag();
            switch (field, wireType)
            {
                case (3, 0):
                    ModelType = (int)r.ReadVarint();
                    break;
                case (24, 0):
                    TreatWhitespaceAsSuffix = r.ReadVarint() != 0;
                    break;
                case (35, 0):
                    ByteFallback = r.ReadVarint() != 0;
                    break;
                default:
                    r.Skip(wireType);
                    break;
            }
        }
    }

    private void ParseNormalizerSpec(ReadOnlySpan<byte> data, int start, int end)
    {
        var r = new ProtoReader(data, start, end);
        while (!r.AtEnd)
        {
            (int field, int wireType) = r.ReadTag();
            switch (field, wireType)
            {
                case (2, 2):
                    (int s, int e) = r.ReadLengthDelimited();
                    PrecompiledCharsMap = data[s..e].ToArray();
                    break;
                case (3, 0):
                    AddDummyPrefix = r.ReadVarint() != 0;
                    break;
                case (4, 0):
                    RemoveExtraWhitespaces = r.ReadVarint() != 0;
                    break;
                case (5, 0):
                    EscapeWhitespaces = r.ReadVarint() != 0;
                    break;
                default:
                    r.Skip(wireType);
                    break;
            }
        }
    }
}
