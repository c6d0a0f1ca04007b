using System.Buffers.Binary;

namespace ClipSharp.Text.SentencePiece;

/// <summary>
/// A minimal protobuf (proto2 wire format) reader: fields in order, each a varint, fixed 32/64-bit value or
/// length-delimited bytes. Malformed input throws <see cref="FormatException"/>.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public int Field { get; private set; }

    public int WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end.</summary>
    public bool Next()
    {
        if (_pos >= _data.Length)
        {
            return false;
        }

        ulong key = ReadVarint();
        Field = (int)(key >> 3);
        WireType = (int)(key & 7);
        if (Field == 0)
        {
            throw new FormatException("field number 0");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length)
            {
                throw new FormatException("truncated varint");
            }

            byte b = _data[_pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("varint longer than 10 bytes");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _pos))
        {
            throw new FormatException("length-delimited field runs past the end");
        }

        ReadOnlySpan<byte> bytes = _data.Slice(_pos, (int)length);
        _pos += (int)length;
        return bytes;
    }

    public float ReadFloat()
    {
        if (_data.Length - _pos < 4)
        {
            throw new FormatException("truncated float");
        }

        float f = BinaryPrimitives.ReadSingleLittleEndian(_data[_pos..]);
        _pos += 4;
        return f;
    }

    /// <summary>Skips the current field's value.</summary>
    public void Skip()
    {
        switch (WireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadBytes();
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw new FormatException($"unsupported wire type {WireType}");
        }
    }

    private void Advance(int n)
    {
        if (_data.Length - _pos < n)
        {
            throw new FormatException("truncated field");
        }

        _pos += n;
    }
}
