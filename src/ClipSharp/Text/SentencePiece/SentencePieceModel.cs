using System.Text;

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

    /// <exception cref="FormatException">The bytes are not a ModelProto.</exception>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> data)
    {
        var m = new SentencePieceModel();
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 1 when r.WireType == 2:
                    m.Pieces.Add(ParsePiece(r.ReadBytes()));
                    break;
                case 2 when r.WireType == 2:
                    m.ParseTrainerSpec(r.ReadBytes());
                    break;
                case 3 when r.WireType == 2:
                    m.ParseNormalizerSpec(r.ReadBytes());
                    break;
                default:
                    r.Skip();
                    break;
            }
        }

        return m;
    }

    private static (string, float, PieceType) ParsePiece(ReadOnlySpan<byte> data)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 1 when r.WireType == 2:
                    piece = Encoding.UTF8.GetString(r.ReadBytes());
                    break;
                case 2 when r.WireType == 5:
                    score = r.ReadFloat();
                    break;
                case 3 when r.WireType == 0:
                    ulong t = r.ReadVarint();
                    type = t is >= 1 and <= 6 ? (PieceType)(int)t : throw new FormatException($"piece type {t}");
                    break;
                default:
                    r.Skip();
                    break;
            }
        }

        return (piece, score, type);
    }

    private void ParseTrainerSpec(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 3 when r.WireType == 0:
                    ModelType = (int)r.ReadVarint();
                    break;
                case 24 when r.WireType == 0:
                    TreatWhitespaceAsSuffix = r.ReadVarint() != 0;
                    break;
                case 35 when r.WireType == 0:
                    ByteFallback = r.ReadVarint() != 0;
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
    }

    private void ParseNormalizerSpec(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 2 when r.WireType == 2:
                    PrecompiledCharsMap = r.ReadBytes().ToArray();
                    break;
                case 3 when r.WireType == 0:
                    AddDummyPrefix = r.ReadVarint() != 0;
                    break;
                case 4 when r.WireType == 0:
                    RemoveExtraWhitespaces = r.ReadVarint() != 0;
                    break;
                case 5 when r.WireType == 0:
                    EscapeWhitespaces = r.ReadVarint() != 0;
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
    }
}
