using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Syslogintr.Ingest;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// <see cref="SyslogMessage"/>s on the wire, the hot path of a cluster (every batch a node sends to a partitioned
/// rule's bucket). Every parsed field travels, so the receiver hands a rule exactly what the receiving listener
/// parsed without parsing again or knowing the listener's settings; yet a message costs about 30 bytes more than its
/// raw bytes, because a string found in the raw bytes (the message text, host, app name, SD names...) travels as an
/// offset into them, a string equal to the previous message's (host, app, listener...) as one byte, and an origin
/// already in the batch (a listener shares one per sender or connection) as its index. Measured against raw bytes
/// re-parsed on arrival: see the README, "Wire format and sizing". Strings are UTF-8: an unpaired surrogate, which no
/// parsed message contains, arrives as U+FFFD.
/// </summary>
public static class MessageCodec
{
    // A string is a varint header, (UTF-8 length << 2) | kind, and then its bytes (Inline) or its offset in Raw.
    private const int Inline = 0;
    private const int InRaw = 1;
    private const int SameAsPrevious = 2;

    /// <summary>Shorter strings are cheaper inline than as an offset, and not worth the search.</summary>
    private const int MinInRawLength = 4;

    private const int MaxStringHeader = 2 * SpanWriter.MaxVarint32;
    private const int MaxFixedFields = 64;

    [Flags]
    private enum Present : ushort
    {
        HasPri = 1 << 0,
        Timestamp = 1 << 1,
        Truncated = 1 << 2,
        Hostname = 1 << 3,
        AppName = 1 << 4,
        ProcId = 1 << 5,
        MsgId = 1 << 6,
        ParseError = 1 << 7,
        InjectedBy = 1 << 8,
        RemoteAddress = 1 << 9,
        Rfc3164 = 1 << 10,
        Rfc5424 = 1 << 11,
        StructuredDataText = 1 << 12,
        TimestampZulu = 1 << 13,
        All = (1 << 14) - 1,
    }

    /// <summary>The fields that repeat from message to message of a batch, written once as long as they stay the same.</summary>
    private enum Slot
    {
        Hostname,
        AppName,
        ProcId,
        MsgId,
        ParseError,
        InjectedBy,
        RemoteAddress,
        LocalAddress,
        Listener,
        Count,
    }

    /// <summary>Writes the batch as one length-prefixed block; straight into the serializer's buffer when it is one.</summary>
    public static void WriteMessages(BinaryWriter w, IReadOnlyList<SyslogMessage> messages)
    {
        w.Flush();
        if (w.BaseStream is WireBuffer buffer)
        {
            Encode(buffer, messages);
            return;
        }

        using var scratch = new WireBuffer();
        Encode(scratch, messages);
        w.Write(scratch.WrittenSpan);
    }

    /// <summary>Reads a block of <see cref="WriteMessages"/>; straight from the received array when the stream exposes it.</summary>
    public static SyslogMessage[] ReadMessages(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (r.BaseStream is MemoryStream stream && stream.TryGetBuffer(out var received))
        {
            var start = (int)stream.Position;
            if (length < 0 || length > received.Count - start)
            {
                throw new SerializationException($"corrupt wire data: a batch of {length} bytes with {received.Count - start} left");
            }

            stream.Position = start + length;
            return Decode(received.AsSpan(start, length));
        }

        if (length < 0)
        {
            throw new SerializationException($"corrupt wire data: a batch of {length} bytes");
        }

        var bytes = r.ReadBytes(length);
        return bytes.Length == length
            ? Decode(bytes)
            : throw new SerializationException($"truncated wire data: a batch of {length} bytes, {bytes.Length} received");
    }

    /// <summary>One message, for a type that carries one (as a batch of one).</summary>
    public static void Write(BinaryWriter w, SyslogMessage message) => WriteMessages(w, [message]);

    public static SyslogMessage Read(BinaryReader r) => ReadMessages(r) is [var message]
        ? message
        : throw new SerializationException("corrupt wire data: expected exactly one message");

    /// <summary>For the codecs written against <see cref="BinaryWriter"/>: a string that may be null.</summary>
    public static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    public static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    /// <summary>For the codecs written against <see cref="BinaryWriter"/>: an instant with its offset (10 bytes).</summary>
    public static void WriteTime(BinaryWriter w, DateTimeOffset time)
    {
        w.Write(time.UtcTicks);
        w.Write((short)time.TotalOffsetMinutes);
    }

    /// <remarks>Out-of-range values throw, and <see cref="WireFormat"/> turns that into a SerializationException.</remarks>
    public static DateTimeOffset ReadTime(BinaryReader r)
    {
        var ticks = r.ReadInt64();
        var offset = TimeSpan.FromMinutes(r.ReadInt16());
        return new DateTimeOffset(ticks + offset.Ticks, offset);
    }

    private static void Encode(WireBuffer output, IReadOnlyList<SyslogMessage> messages)
    {
        var start = output.WrittenCount;
        output.GetSpan(4 + SpanWriter.MaxVarint32);
        output.Advance(4); // the block's length, known at the end
        var count = new SpanWriter(output.GetSpan(SpanWriter.MaxVarint32));
        count.VarUInt((uint)messages.Count);
        output.Advance(count.Position);

        var previous = new Previous();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var w = new SpanWriter(output.GetSpan(MaxSize(message)));
            WriteOne(ref w, message, previous);
            output.Advance(w.Position);
        }

        BinaryPrimitives.WriteInt32LittleEndian(output.WrittenSpan[start..], output.WrittenCount - start - 4);
    }

    private static SyslogMessage[] Decode(ReadOnlySpan<byte> block)
    {
        var r = new SpanReader(block);
        var messages = new SyslogMessage[r.Length()];
        var previous = new Previous();
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = ReadOne(ref r, previous);
        }

        return r.AtEnd ? messages : throw r.Corrupt("bytes left after the last message");
    }

    private static void WriteOne(ref SpanWriter w, SyslogMessage m, Previous previous)
    {
        var origin = m.Origin;
        var present =
            (m.HasPri ? Present.HasPri : 0) |
            (m.Timestamp.HasValue ? Present.Timestamp : 0) |
            (m.Truncated ? Present.Truncated : 0) |
            (m.Hostname is not null ? Present.Hostname : 0) |
            (m.AppName is not null ? Present.AppName : 0) |
            (m.ProcId is not null ? Present.ProcId : 0) |
            (m.MsgId is not null ? Present.MsgId : 0) |
            (m.ParseError is not null ? Present.ParseError : 0) |
            (m.InjectedBy is not null ? Present.InjectedBy : 0) |
            (origin.RemoteAddress is not null ? Present.RemoteAddress : 0) |
            (m.StructuredDataText is not null ? Present.StructuredDataText : 0) |
            (m.TimestampZulu ? Present.TimestampZulu : 0) |
            m.Format switch
            {
                SyslogFormat.Rfc3164 => Present.Rfc3164,
                SyslogFormat.Rfc5424 => Present.Rfc5424,
                _ => 0,
            };
        w.UInt16((ushort)present);
        w.Byte((byte)(((int)m.Facility << 3) | (int)m.Severity));
        w.VarInt(m.Version);
        w.VarInt(m.Generation);

        // Times as deltas: messages of a batch arrive close together, and a sender's clock is close to ours.
        var received = m.ReceivedAt.UtcTicks;
        w.VarInt(received - previous.ReceivedTicks);
        w.VarInt(m.ReceivedAt.TotalOffsetMinutes);
        previous.ReceivedTicks = received;
        if (m.Timestamp is { } timestamp)
        {
            w.VarInt(timestamp.UtcTicks - received);
            w.VarInt(timestamp.TotalOffsetMinutes);
            w.VarInt(m.TimestampPrecision is { } precision ? precision + 1 : 0);
        }

        var raw = m.Raw.AsSpan();
        w.Bytes(raw);
        // 0 and the origin, or 1 + its index among the batch's origins so far.
        if (previous.OriginIds.TryGetValue(origin, out var originId))
        {
            w.VarUInt((uint)originId + 1);
        }
        else
        {
            w.VarUInt(0);
            w.Byte((byte)origin.Transport);
            if (origin.RemoteAddress is { } remote)
            {
                WriteRepeated(ref w, remote, raw, previous, Slot.RemoteAddress);
            }

            w.VarInt(origin.RemotePort);
            WriteRepeated(ref w, origin.LocalAddress, raw, previous, Slot.LocalAddress);
            w.VarInt(origin.LocalPort);
            WriteRepeated(ref w, origin.Listener, raw, previous, Slot.Listener);
            previous.OriginIds.Add(origin, previous.OriginIds.Count);
        }

        WriteRepeatedIfAny(ref w, m.Hostname, raw, previous, Slot.Hostname);
        WriteRepeatedIfAny(ref w, m.AppName, raw, previous, Slot.AppName);
        WriteRepeatedIfAny(ref w, m.ProcId, raw, previous, Slot.ProcId);
        WriteRepeatedIfAny(ref w, m.MsgId, raw, previous, Slot.MsgId);
        WriteString(ref w, m.Message, raw);
        WriteRepeatedIfAny(ref w, m.ParseError, raw, previous, Slot.ParseError);
        WriteRepeatedIfAny(ref w, m.InjectedBy, raw, previous, Slot.InjectedBy);
        if (m.StructuredDataText is { } structuredDataText)
        {
            WriteString(ref w, structuredDataText, raw);
        }

        var elements = m.StructuredData;
        w.VarUInt((uint)elements.Count);
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            WriteString(ref w, element.Id, raw);
            var parameters = element.Parameters;
            w.VarUInt((uint)parameters.Count);
            for (var j = 0; j < parameters.Count; j++)
            {
                WriteString(ref w, parameters[j].Key, raw);
                WriteString(ref w, parameters[j].Value, raw);
            }
        }
    }

    private static SyslogMessage ReadOne(ref SpanReader r, Previous previous)
    {
        var present = (Present)r.UInt16();
        if ((present & ~Present.All) != 0)
        {
            throw r.Corrupt($"unknown field flags {(ushort)present:x4}");
        }

        var format = (present & (Present.Rfc3164 | Present.Rfc5424)) switch
        {
            0 => SyslogFormat.Unknown,
            Present.Rfc3164 => SyslogFormat.Rfc3164,
            Present.Rfc5424 => SyslogFormat.Rfc5424,
            _ => throw r.Corrupt("two formats"),
        };
        var priority = r.Byte();
        if (priority > ((int)Facility.Local7 << 3 | (int)Severity.Debug))
        {
            throw r.Corrupt($"priority {priority} out of range");
        }

        var facility = (Facility)(priority >> 3);
        var severity = (Severity)(priority & 7);

        var version = ReadInt32(ref r);
        var generation = ReadInt32(ref r);
        var received = previous.ReceivedTicks + r.VarInt();
        previous.ReceivedTicks = received;
        var receivedAt = Time(ref r, received);
        DateTimeOffset? timestamp = present.HasFlag(Present.Timestamp) ? Time(ref r, received + r.VarInt()) : null;
        int? precision = timestamp.HasValue && ReadInt32(ref r) is var digits and > 0 ? digits - 1 : null;

        var raw = r.Bytes(r.Length());
        Origin origin;
        var originId = r.VarUInt();
        if (originId > 0)
        {
            origin = originId <= (ulong)previous.Origins.Count
                ? previous.Origins[(int)originId - 1]
                : throw r.Corrupt($"origin {originId} of {previous.Origins.Count}");
        }
        else
        {
            var transport = (Transport)r.Byte();
            if ((byte)transport > (byte)Transport.Internal)
            {
                throw r.Corrupt($"transport {(byte)transport} out of range");
            }

            var remote = present.HasFlag(Present.RemoteAddress) ? ReadRepeated(ref r, raw, previous, Slot.RemoteAddress) : null;
            var remotePort = ReadInt32(ref r);
            var local = ReadRepeated(ref r, raw, previous, Slot.LocalAddress);
            var localPort = ReadInt32(ref r);
            origin = new Origin(transport, remote, remotePort, local, localPort, ReadRepeated(ref r, raw, previous, Slot.Listener));
            previous.Origins.Add(origin);
        }

        var hostname = present.HasFlag(Present.Hostname) ? ReadRepeated(ref r, raw, previous, Slot.Hostname) : null;
        var appName = present.HasFlag(Present.AppName) ? ReadRepeated(ref r, raw, previous, Slot.AppName) : null;
        var procId = present.HasFlag(Present.ProcId) ? ReadRepeated(ref r, raw, previous, Slot.ProcId) : null;
        var msgId = present.HasFlag(Present.MsgId) ? ReadRepeated(ref r, raw, previous, Slot.MsgId) : null;
        var text = ReadString(ref r, raw, null);
        var parseError = present.HasFlag(Present.ParseError) ? ReadRepeated(ref r, raw, previous, Slot.ParseError) : null;
        var injectedBy = present.HasFlag(Present.InjectedBy) ? ReadRepeated(ref r, raw, previous, Slot.InjectedBy) : null;
        var structuredDataText = present.HasFlag(Present.StructuredDataText) ? ReadString(ref r, raw, null) : null;

        var elements = r.Length() is var count and > 0 ? new StructuredDataElement[count] : [];
        for (var i = 0; i < elements.Length; i++)
        {
            var id = ReadString(ref r, raw, null);
            var parameters = r.Length() is var n and > 0 ? new KeyValuePair<string, string>[n] : [];
            for (var j = 0; j < parameters.Length; j++)
            {
                var name = ReadString(ref r, raw, null);
                parameters[j] = new(name, ReadString(ref r, raw, null));
            }

            elements[i] = new StructuredDataElement(id, parameters);
        }

        return new SyslogMessage
        {
            Facility = facility,
            Severity = severity,
            HasPri = present.HasFlag(Present.HasPri),
            Version = version,
            Timestamp = timestamp,
            TimestampPrecision = precision,
            TimestampZulu = present.HasFlag(Present.TimestampZulu),
            ReceivedAt = receivedAt,
            Hostname = hostname,
            AppName = appName,
            ProcId = procId,
            MsgId = msgId,
            StructuredData = elements,
            StructuredDataText = structuredDataText,
            Message = text,
            Raw = raw.ToArray(),
            Origin = origin,
            Format = format,
            ParseError = parseError,
            Truncated = present.HasFlag(Present.Truncated),
            Generation = generation,
            InjectedBy = injectedBy,
        };
    }

    /// <summary>An upper bound of what <see cref="WriteOne"/> writes, so one span request serves a whole message.</summary>
    private static int MaxSize(SyslogMessage m)
    {
        var size = MaxFixedFields + SpanWriter.MaxVarint32 + m.Raw.Length
            + MaxString(m.Hostname) + MaxString(m.AppName) + MaxString(m.ProcId) + MaxString(m.MsgId)
            + MaxString(m.Message) + MaxString(m.ParseError) + MaxString(m.InjectedBy)
            + MaxString(m.Origin.RemoteAddress) + MaxString(m.Origin.LocalAddress) + MaxString(m.Origin.Listener)
            + MaxString(m.StructuredDataText);
        var elements = m.StructuredData;
        for (var i = 0; i < elements.Count; i++)
        {
            size += MaxString(elements[i].Id) + SpanWriter.MaxVarint32;
            var parameters = elements[i].Parameters;
            for (var j = 0; j < parameters.Count; j++)
            {
                size += MaxString(parameters[j].Key) + MaxString(parameters[j].Value);
            }
        }

        return size;
    }

    private static int MaxString(string? value) => value is null ? 0 : MaxStringHeader + SpanWriter.MaxUtf8(value.Length);

    private static void WriteRepeatedIfAny(ref SpanWriter w, string? value, ReadOnlySpan<byte> raw, Previous previous, Slot slot)
    {
        if (value is not null)
        {
            WriteRepeated(ref w, value, raw, previous, slot);
        }
    }

    private static void WriteRepeated(ref SpanWriter w, string value, ReadOnlySpan<byte> raw, Previous previous, Slot slot)
    {
        ref var last = ref previous.Strings[(int)slot];
        if (string.Equals(last, value, StringComparison.Ordinal))
        {
            w.VarUInt(SameAsPrevious);
            return;
        }

        WriteString(ref w, value, raw);
        last = value;
    }

    private static void WriteString(ref SpanWriter w, string value, ReadOnlySpan<byte> raw)
    {
        // Encoded past the largest header, then either replaced by an offset into Raw or moved down behind the header.
        var encoded = w.Rest[MaxStringHeader..];
        encoded = encoded[..Encoding.UTF8.GetBytes(value, encoded)];
        if (encoded.Length >= MinInRawLength)
        {
            var at = raw.EndsWith(encoded) ? raw.Length - encoded.Length : raw.IndexOf(encoded);
            if (at >= 0)
            {
                w.VarUInt(((ulong)encoded.Length << 2) | InRaw);
                w.VarUInt((uint)at);
                return;
            }
        }

        w.VarUInt(((ulong)encoded.Length << 2) | Inline);
        encoded.CopyTo(w.Rest);
        w.Position += encoded.Length;
    }

    private static string ReadRepeated(ref SpanReader r, ReadOnlySpan<byte> raw, Previous previous, Slot slot)
    {
        ref var last = ref previous.Strings[(int)slot];
        return last = ReadString(ref r, raw, last);
    }

    /// <param name="previous">The slot's last value, for <see cref="SameAsPrevious"/>; null where there is none.</param>
    private static string ReadString(ref SpanReader r, ReadOnlySpan<byte> raw, string? previous)
    {
        var header = r.VarUInt();
        var length = header >> 2;
        switch ((int)(header & 3))
        {
            case Inline:
                return length <= int.MaxValue ? SpanReader.Utf8(r.Bytes((int)length)) : throw r.Corrupt($"a string of {length} bytes");
            case InRaw:
                var at = r.VarUInt();
                return at + length <= (ulong)raw.Length
                    ? SpanReader.Utf8(raw.Slice((int)at, (int)length))
                    : throw r.Corrupt($"a string at {at}+{length} of a raw message of {raw.Length} bytes");
            case SameAsPrevious when length == 0 && previous is not null:
                return previous;
            default:
                throw r.Corrupt($"string header {header:x}");
        }
    }

    private static int ReadInt32(ref SpanReader r)
    {
        var value = r.VarInt();
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw r.Corrupt($"{value} is not a 32-bit number");
    }

    private static DateTimeOffset Time(ref SpanReader r, long utcTicks)
    {
        var offsetMinutes = r.VarInt();
        if (offsetMinutes is < -14 * 60 or > 14 * 60 || utcTicks < 0 || utcTicks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw r.Corrupt($"a time of {utcTicks} ticks at offset {offsetMinutes} min");
        }

        var offset = TimeSpan.FromMinutes(offsetMinutes);
        var local = utcTicks + offset.Ticks;
        return local >= 0 && local <= DateTime.MaxValue.Ticks
            ? new DateTimeOffset(local, offset)
            : throw r.Corrupt($"a time of {utcTicks} ticks at offset {offsetMinutes} min");
    }

    /// <summary>What the previous messages of the batch carried, on both sides.</summary>
    private sealed class Previous
    {
        public readonly string?[] Strings = new string?[(int)Slot.Count];

        /// <summary>Writing: each origin instance of the batch so far (by reference: hashing one costs nothing).</summary>
        public readonly Dictionary<Origin, int> OriginIds = new(ReferenceEqualityComparer.Instance);

        /// <summary>Reading: the batch's origins so far, in the order they came.</summary>
        public readonly List<Origin> Origins = [];

        public long ReceivedTicks;
    }
}
