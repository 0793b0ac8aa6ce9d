using Syslogintr.Alerts.Mail;
using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;
using static Syslogintr.Cluster.Wire.MessageCodec;

namespace Syslogintr.Alerts.Replication;

/// <summary>The wire format of the alert owner's messages and of its replicated <see cref="AlertRecord"/>.</summary>
public static class AlertWire
{
    public static readonly IReadOnlyList<WireCodec> Codecs =
    [
        new WireCodec<AlertRaised>("alert-raised", WriteRaised, ReadRaised),
        new WireCodec<AlertCleared>("alert-cleared", WriteCleared, ReadCleared),
        new WireCodec<AlertForwarded>("alert-fwd", WriteForwarded, ReadForwarded),
        new WireCodec<AlertReceived>("alert-ack", (w, a) => w.Write(a.Seq), r => new AlertReceived(r.ReadInt64())),
        new WireCodec<AlertRecord>("alert-record", WriteRecord, ReadRecord),
    ];

    private static void WriteRaised(BinaryWriter w, AlertRaised a)
    {
        w.Write(a.Key);
        w.Write(a.Subject);
        w.Write(a.Body);
        w.Write((byte)a.Severity);
        w.Write(a.Source);
        WriteTime(w, a.At);
    }

    private static AlertRaised ReadRaised(BinaryReader r) =>
        new(r.ReadString(), r.ReadString(), r.ReadString(), (Severity)r.ReadByte(), r.ReadString(), ReadTime(r));

    private static void WriteCleared(BinaryWriter w, AlertCleared c)
    {
        w.Write(c.Key);
        w.Write(c.Source);
        WriteTime(w, c.At);
    }

    private static AlertCleared ReadCleared(BinaryReader r) => new(r.ReadString(), r.ReadString(), ReadTime(r));

    private static void WriteForwarded(BinaryWriter w, AlertForwarded f)
    {
        w.Write(f.Seq);
        switch (f.Alert)
        {
            case AlertRaised raised:
                w.Write((byte)1);
                WriteRaised(w, raised);
                break;
            case AlertCleared cleared:
                w.Write((byte)2);
                WriteCleared(w, cleared);
                break;
            default:
                throw new ArgumentException($"an alert is raised or cleared, not {f.Alert.GetType()}", nameof(f));
        }
    }

    private static AlertForwarded ReadForwarded(BinaryReader r)
    {
        var seq = r.ReadInt64();
        return r.ReadByte() switch
        {
            1 => new AlertForwarded(seq, ReadRaised(r)),
            2 => new AlertForwarded(seq, ReadCleared(r)),
            var kind => throw new InvalidDataException($"alert kind {kind} unknown"),
        };
    }

    private static void WriteRecord(BinaryWriter w, AlertRecord record)
    {
        var book = record.Book;
        WriteList(w, book.Active, WriteActive);
        WriteList(w, book.Pending, (w, n) =>
        {
            w.Write((byte)n.Kind);
            WriteActive(w, n.Alert);
            WriteTime(w, n.At);
        });
        WriteList(w, book.MailsSentLastHour, WriteTime);
        WriteOptionalTime(w, book.HeldSince);
        WriteList(w, record.Unsent, (w, m) =>
        {
            w.Write(m.Subject);
            w.Write(m.Body);
            WriteTime(w, m.At);
            WriteOptional(w, m.Id);
        });
    }

    private static AlertRecord ReadRecord(BinaryReader r)
    {
        var active = ReadList(r, ReadActive);
        var pending = ReadList(r, r => new Notice((NoticeKind)r.ReadByte(), ReadActive(r), ReadTime(r)));
        var sent = ReadList(r, ReadTime);
        var heldSince = ReadOptionalTime(r);
        var unsent = ReadList(r, r => new MailRequested(r.ReadString(), r.ReadString(), ReadTime(r), ReadOptional(r)));
        return new AlertRecord(new AlertSnapshot(active, pending, sent, heldSince), unsent);
    }

    private static void WriteActive(BinaryWriter w, ActiveAlert a)
    {
        w.Write(a.Key);
        w.Write(a.Subject);
        w.Write(a.Body);
        w.Write((byte)a.Severity);
        w.Write(a.Source);
        WriteTime(w, a.RaisedAt);
        WriteOptionalTime(w, a.NotifiedAt);
        WriteOptionalTime(w, a.LastRaisedAt);
    }

    private static ActiveAlert ReadActive(BinaryReader r) => new(
        r.ReadString(), r.ReadString(), r.ReadString(), (Severity)r.ReadByte(), r.ReadString(), ReadTime(r), ReadOptionalTime(r), ReadOptionalTime(r));

    private static void WriteOptionalTime(BinaryWriter w, DateTimeOffset? time)
    {
        w.Write(time.HasValue);
        if (time is { } t)
        {
            WriteTime(w, t);
        }
    }

    private static DateTimeOffset? ReadOptionalTime(BinaryReader r) => r.ReadBoolean() ? ReadTime(r) : null;

    private static void WriteList<T>(BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write(items.Count);
        foreach (var item in items)
        {
            write(w, item);
        }
    }

    private static T[] ReadList<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        var items = new T[r.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = read(r);
        }

        return items;
    }
}
