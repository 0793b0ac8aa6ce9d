using System.Buffers.Binary;
using System.Text;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// Writes the primitives of the span codecs into a span the caller sized with an upper bound: varints (small
/// numbers are the rule on the wire: lengths, deltas, ports) and UTF-8 without a byte-order mark.
/// </summary>
internal ref struct SpanWriter(Span<byte> span)
{
    /// <summary>The most bytes a 32-bit varint takes.</summary>
    public const int MaxVarint32 = 5;

    /// <summary>The most bytes a 64-bit varint takes.</summary>
    public const int MaxVarint64 = 10;

    private readonly Span<byte> span = span;

    public int Position { get; set; }

    public readonly Span<byte> Rest => span[Position..];

    public void Byte(byte value) => span[Position++] = value;

    public void UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span[Position..], value);
        Position += 2;
    }

    public void VarUInt(ulong value)
    {
        while (value >= 0x80)
        {
            span[Position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[Position++] = (byte)value;
    }

    /// <summary>Zig-zag, so small negative numbers (ports of -1, deltas back in time) stay one or two bytes.</summary>
    public void VarInt(long value) => VarUInt((ulong)((value << 1) ^ (value >> 63)));

    public void Bytes(ReadOnlySpan<byte> value)
    {
        VarUInt((uint)value.Length);
        value.CopyTo(span[Position..]);
        Position += value.Length;
    }

    /// <summary>The most bytes <see cref="Utf8"/> may need for a string of <paramref name="chars"/> UTF-16 units.</summary>
    public static int MaxUtf8(int chars) => Encoding.UTF8.GetMaxByteCount(chars);
}
