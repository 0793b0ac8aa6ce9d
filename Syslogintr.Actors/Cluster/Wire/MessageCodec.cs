using Syslogintr.Ingest;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// A <see cref="SyslogMessage"/> on the wire: every parsed field, the origin and the raw bytes, so the receiving
/// node hands a rule exactly what the receiving listener parsed (no second parse, no listener settings needed).
/// </summary>
public static class MessageCodec
{
    public static void WriteMessages(BinaryWriter w, IReadOnlyList<SyslogMessage> messages)
    {
        w.Write(messages.Count);
        foreach (var message in messages)
        {
            Write(w, message);
        }
    }

    public static SyslogMessage[] ReadMessages(BinaryReader r)
    {
        var messages = new SyslogMessage[r.ReadInt32()];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = Read(r);
        }

        return messages;
    }

    public static void Write(BinaryWriter w, SyslogMessage m)
    {
        w.Write((byte)m.Facility);
        w.Write((byte)m.Severity);
        w.Write(m.HasPri);
        w.Write(m.Version);
        w.Write(m.Timestamp.HasValue);
        if (m.Timestamp is { } timestamp)
        {
            WriteTime(w, timestamp);
        }

        WriteTime(w, m.ReceivedAt);
        WriteOptional(w, m.Hostname);
        WriteOptional(w, m.AppName);
        WriteOptional(w, m.ProcId);
        WriteOptional(w, m.MsgId);
        w.Write(m.StructuredData.Count);
        foreach (var element in m.StructuredData)
        {
            w.Write(element.Id);
            w.Write(element.Parameters.Count);
            foreach (var (name, value) in element.Parameters)
            {
                w.Write(name);
                w.Write(value);
            }
        }

        w.Write(m.Message);
        w.Write(m.Raw.Length);
        w.Write(m.Raw);
        WriteOrigin(w, m.Origin);
        w.Write((byte)m.Format);
        WriteOptional(w, m.ParseError);
        w.Write(m.Truncated);
        w.Write(m.Generation);
        WriteOptional(w, m.InjectedBy);
    }

    public static SyslogMessage Read(BinaryReader r)
    {
        var facility = (Facility)r.ReadByte();
        var severity = (Severity)r.ReadByte();
        var hasPri = r.ReadBoolean();
        var version = r.ReadInt32();
        DateTimeOffset? timestamp = r.ReadBoolean() ? ReadTime(r) : null;
        var receivedAt = ReadTime(r);
        var hostname = ReadOptional(r);
        var appName = ReadOptional(r);
        var procId = ReadOptional(r);
        var msgId = ReadOptional(r);
        var elements = new StructuredDataElement[r.ReadInt32()];
        for (var i = 0; i < elements.Length; i++)
        {
            var id = r.ReadString();
            var parameters = new KeyValuePair<string, string>[r.ReadInt32()];
            for (var j = 0; j < parameters.Length; j++)
            {
                parameters[j] = new(r.ReadString(), r.ReadString());
            }

            elements[i] = new StructuredDataElement(id, parameters);
        }

        return new SyslogMessage
        {
            Facility = facility,
            Severity = severity,
            HasPri = hasPri,
            Version = version,
            Timestamp = timestamp,
            ReceivedAt = receivedAt,
            Hostname = hostname,
            AppName = appName,
            ProcId = procId,
            MsgId = msgId,
            StructuredData = elements,
            Message = r.ReadString(),
            Raw = r.ReadBytes(r.ReadInt32()),
            Origin = ReadOrigin(r),
            Format = (SyslogFormat)r.ReadByte(),
            ParseError = ReadOptional(r),
            Truncated = r.ReadBoolean(),
            Generation = r.ReadInt32(),
            InjectedBy = ReadOptional(r),
        };
    }

    public static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    public static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    public static void WriteTime(BinaryWriter w, DateTimeOffset time)
    {
        w.Write(time.UtcTicks);
        w.Write((short)time.Offset.TotalMinutes);
    }

    public static DateTimeOffset ReadTime(BinaryReader r)
    {
        var ticks = r.ReadInt64();
        var offset = TimeSpan.FromMinutes(r.ReadInt16());
        return new DateTimeOffset(ticks + offset.Ticks, offset);
    }

    private static void WriteOrigin(BinaryWriter w, Origin o)
    {
        w.Write((byte)o.Transport);
        WriteOptional(w, o.RemoteAddress);
        w.Write(o.RemotePort);
        w.Write(o.LocalAddress);
        w.Write(o.LocalPort);
        w.Write(o.Listener);
    }

    private static Origin ReadOrigin(BinaryReader r) =>
        new((Transport)r.ReadByte(), ReadOptional(r), r.ReadInt32(), r.ReadString(), r.ReadInt32(), r.ReadString());
}
