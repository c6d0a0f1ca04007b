using System.Buffers;
using System.Runtime.InteropServices;

namespace ClipSharp.Imaging;

/// <summary>
/// A pixel buffer outside the managed heap, freed as soon as it is disposed. The decode paths that release their
/// pixels explicitly (the file pipeline and the server) use it for multi-megapixel buffers, so the memory is given
/// back to the operating system at once rather than lingering as large-object-heap garbage or in a pool's cache
/// (<see cref="ArrayPool{T}.Shared"/> keeps arrays of up to 1 GiB per thread and per core).
/// </summary>
internal sealed unsafe class NativePixels : MemoryManager<byte>
{
    private byte* _pointer;
    private readonly int _length;

    public NativePixels(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _length = length;
        _pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(length, 1));
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new Span<byte>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        byte* p = _pointer;
        _pointer = null;
        if (p is not null)
        {
            NativeMemory.Free(p);
        }
    }
}
