namespace ClipSharp.Imaging;

/// <summary>
/// The source rows the first pass of <see cref="PillowResampler.ResampleWindow"/> reads, <see cref="Count"/> of them from
/// row <c>first</c>: as they are, or, for a premultiplied resize, the needed columns premultiplied into a scratch
/// buffer of two rows (Pillow's RGBA → RGBa), so a pass sees rows of <see cref="Length"/> bytes starting at source
/// column <see cref="Origin"/>.
/// </summary>
internal readonly ref struct ResampleSourceRows
{
    private readonly ReadOnlySpan<byte> _src;
    private readonly int _stride;
    private readonly int _first;
    private readonly int _columnOffset;
    private readonly byte[]? _premultiplied;

    /// <param name="src">The whole source image, rows of <paramref name="stride"/> bytes.</param>
    /// <param name="stride">Bytes per source row.</param>
    /// <param name="first">The first source row read.</param>
    /// <param name="count">Rows read.</param>
    /// <param name="channels">Interleaved channels per pixel.</param>
    /// <param name="columnFirst">The first source column read (used when premultiplying).</param>
    /// <param name="premultipliedBytes">Bytes of the needed columns of one row (used when premultiplying).</param>
    /// <param name="premultiplied">Scratch for two premultiplied rows, or null to read the source as it is.</param>
    public ResampleSourceRows(ReadOnlySpan<byte> src, int stride, int first, int count, int channels, int columnFirst, int premultipliedBytes, byte[]? premultiplied)
    {
        _src = src;
        _stride = stride;
        _first = first;
        _columnOffset = columnFirst * channels;
        _premultiplied = premultiplied;
        Count = count;
        Origin = premultiplied is null ? 0 : columnFirst;
        Length = premultiplied is null ? stride : premultipliedBytes;
    }

    /// <summary>Rows read.</summary>
    public int Count { get; }

    /// <summary>The source column the rows handed out start at.</summary>
    public int Origin { get; }

    /// <summary>Bytes of each row handed out.</summary>
    public int Length { get; }

    /// <summary>Rows <paramref name="a"/> and <paramref name="b"/> (relative to the first row read), premultiplied when asked.</summary>
    public void Pair(int a, int b, out ReadOnlySpan<byte> rowA, out ReadOnlySpan<byte> rowB)
    {
        rowA = _src.Slice((_first + a) * _stride, _stride);
        rowB = _src.Slice((_first + b) * _stride, _stride);
        if (_premultiplied is not null)
        {
            int length = Length;
            PillowResampler.Premultiply(rowA.Slice(_columnOffset, length), _premultiplied.AsSpan(0, length));
            PillowResampler.Premultiply(rowB.Slice(_columnOffset, length), _premultiplied.AsSpan(length, length));
            rowA = _premultiplied.AsSpan(0, length);
            rowB = _premultiplied.AsSpan(length, length);
        }
    }
}
