using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// Reads what <see cref="SpanWriter"/> wrote, straight from the received bytes. Every read checks the bounds, so
/// truncated or corrupt input ends in a <see cref="SerializationException"/> saying where, never an out-of-range
/// read or a huge allocation from a garbage length.
/// </summary>
internal ref struct SpanReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;

    public int Position { get; private set; }

    public readonly bool AtEnd => Position == data.Length;

    public byte Byte()
    {
        Need(1);
        return data[Position++];
    }

    public ushort UInt16()
    {
        Need(2);
        var value = BinaryPrimitives.ReadUInt16LittleEndian(data[Position..]);
        Position += 2;
        return value;
    }

    public ulong VarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Corrupt("a varint longer than 10 bytes");
    }

    public long VarInt()
    {
        var raw = VarUInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>A length or count: never more than the bytes left, so garbage cannot make us allocate gigabytes.</summary>
    public int Length()
    {
        var value = VarUInt();
        if (value > (ulong)(data.Length - Position))
        {
            throw Corrupt($"a length of {value} with {data.Length - Position} bytes left");
        }

        return (int)value;
    }

    public ReadOnlySpan<byte> Bytes(int count)
    {
        Need(count);
        var value = data.Slice(Position, count);
        Position += count;
        return value;
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);

    public readonly SerializationException Corrupt(string what) =>
        new($"corrupt wire data at byte {Position} of {data.Length}: {what}");

    private readonly void Need(int count)
    {
        if (count < 0 || count > data.Length - Position)
        {
            throw Corrupt($"{count} more bytes needed, the data is truncated");
        }
    }
}
