using System.Buffers;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// The bytes of one message being serialized, on arrays rented from the shared pool: a <see cref="Stream"/> for the
/// codecs written against <see cref="BinaryWriter"/> and an <see cref="IBufferWriter{T}"/> for the span codecs of the
/// hot path (<see cref="MessageCodec"/> writes a whole batch straight into it), so serializing a batch allocates
/// nothing but the exact-size array Akka's <c>ToBinary</c> must return.
/// </summary>
internal sealed class WireBuffer(int initialSize = 16 * 1024) : Stream, IBufferWriter<byte>
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    private int written;

    public int WrittenCount => written;

    /// <summary>What has been written so far; valid until the next write.</summary>
    public Span<byte> WrittenSpan => buffer.AsSpan(0, written);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => written;

    public override long Position
    {
        get => written;
        set => throw new NotSupportedException();
    }

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - written);
        written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return buffer.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return buffer.AsSpan(written);
    }

    public override void Write(ReadOnlySpan<byte> source)
    {
        source.CopyTo(GetSpan(source.Length));
        written += source.Length;
    }

    public override void Write(byte[] source, int offset, int count) => Write(source.AsSpan(offset, count));

    public override void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        written++;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] destination, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }

        base.Dispose(disposing);
    }

    private void Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (buffer.Length - written >= sizeHint)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, checked(written + sizeHint)));
        buffer.AsSpan(0, written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }
}
