using System.Text;

namespace ClipSharp.Inference.Onnx;

/// <summary>
/// Protocol Buffers wire format over a byte span, with absolute positions so that fields can be copied unchanged.
/// Truncated or malformed input throws <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _end;

    public ProtoReader(ReadOnlySpan<byte> data, int start, int end)
    {
        if (start < 0 || end > data.Length || start > end)
        {
            throw new InvalidDataException("protobuf range outside the buffer");
        }

        _data = data;
        Position = start;
        _end = end;
    }

    public int Position { get; private set; }

    public readonly bool AtEnd => Position >= _end;

    /// <summary>Reads a field tag; the field's payload follows.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = checked((int)(tag >> 3));
        if (field == 0)
        {
            throw new InvalidDataException("protobuf field number 0");
        }

        return (field, (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (Position >= _end)
            {
                throw new InvalidDataException("truncated protobuf varint");
            }

            byte b = _data[Position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }

    /// <summary>Reads a length-delimited payload and returns its absolute [start, end).</summary>
    public (int Start, int End) ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - Position))
        {
            throw new InvalidDataException("truncated protobuf field");
        }

        int start = Position;
        Position += (int)length;
        return (start, Position);
    }

    /// <summary>Reads a fixed32 payload (wire type 5) as a little-endian float.</summary>
    public float ReadFloat()
    {
        int start = Position;
        Advance(4);
        return System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(_data[start..]);
    }

    public string ReadString()
    {
        var (start, end) = ReadLengthDelimited();
        return Encoding.UTF8.GetString(_data[start..end]);
    }

    /// <summary>Reads a repeated integer field, packed (wire type 2) or not (wire type 0), adding to <paramref name="into"/>.</summary>
    public void ReadInts(int wireType, List<long> into)
    {
        if (wireType == 0)
        {
            into.Add((long)ReadVarint());
            return;
        }

        var (start, end) = ReadLengthDelimited();
        var inner = new ProtoReader(_data, start, end);
        while (!inner.AtEnd)
        {
            into.Add((long)inner.ReadVarint());
        }
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadLengthDelimited();
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw new InvalidDataException($"unsupported protobuf wire type {wireType}");
        }
    }

    private void Advance(int count)
    {
        if (_end - Position < count)
        {
            throw new InvalidDataException("truncated protobuf field");
        }

        Position += count;
    }
}

/// <summary>Writes protobuf fields into a growable buffer (small messages: nodes, attributes, tensors).</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    public int Length => (int)_stream.Length;

    public byte[] ToArray() => _stream.ToArray();

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _stream.WriteByte((byte)value);
    }

    public void WriteTag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    public void WriteInt(int field, long value)
    {
        WriteTag(field, 0);
        WriteVarint((ulong)value);
    }

    public void WriteBytes(int field, ReadOnlySpan<byte> payload)
    {
        WriteTag(field, 2);
        WriteVarint((ulong)payload.Length);
        _stream.Write(payload);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Copies already-encoded fields unchanged.</summary>
    public void WriteRaw(ReadOnlySpan<byte> encoded) => _stream.Write(encoded);
}
