using System.Diagnostics;
using Akka.Actor;
using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Bench.Wire;

/// <summary>
/// <c>wire-codec</c>: what one message costs to serialize and deserialize on one thread, for the choices the issue
/// names: every parsed field (<see cref="MessageCodec"/>, what we ship), raw bytes + origin re-parsed on arrival,
/// and Akka's default JSON of one message. Batches of 1024 real-looking messages; rounds interleaved.
/// </summary>
public static class CodecCost
{
    public static void Run(int rounds, TimeSpan perCase)
    {
        var batch = SampleTraffic.Messages(1024);
        var fields = new WireCodec<SyslogMessage[]>("fields", MessageCodec.WriteMessages, MessageCodec.ReadMessages);
        var parser = new SyslogParser(TimeProvider.System, "node-b");
        var reparse = new WireCodec<SyslogMessage[]>("reparse", WriteRaw, r => ReadAndParse(r, parser));
        using var system = ActorSystem.Create("codec", "akka.loglevel = WARNING");
        var json = system.Serialization.FindSerializerForType(typeof(SyslogMessage));

        var cases = new (string Name, Func<byte[][]> Write, Func<byte[][], int> Read)[]
        {
            ("fields", () => [WireFormat.Serialize(fields, batch)], bytes => ((SyslogMessage[])WireFormat.Deserialize(fields, bytes[0])).Length),
            ("raw-reparse", () => [WireFormat.Serialize(reparse, batch)], bytes => ((SyslogMessage[])WireFormat.Deserialize(reparse, bytes[0])).Length),
            ("json-per-message", () => [.. batch.Select(json.ToBinary)], bytes => bytes.Count(b => json.FromBinary(b, typeof(SyslogMessage)) is SyslogMessage)),
        };
        var results = cases.ToDictionary(c => c.Name, _ => new List<(double Write, double Read, double Bytes, double WriteAlloc, double ReadAlloc)>());
        foreach (var (_, write, read) in cases)
        {
            Measure(write, read, batch.Length, TimeSpan.FromSeconds(2)); // JIT warm-up
        }

        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, write, read) in cases)
            {
                var m = Measure(write, read, batch.Length, perCase);
                results[name].Add(m);
                Console.WriteLine($"RESULT bench=wire-codec codec={name} round={round} bytes_per_msg={m.Bytes:F1} write_ns_per_msg={m.Write:F0} read_ns_per_msg={m.Read:F0} write_alloc_per_msg={m.WriteAlloc:F0} read_alloc_per_msg={m.ReadAlloc:F0}");
            }
        }

        foreach (var (name, list) in results)
        {
            Console.WriteLine($"RESULT bench=wire-codec codec={name} rounds={list.Count} raw_bytes_per_msg={batch.Average(m => m.Raw.Length):F1} bytes_per_msg={Stats.Median(list.Select(m => m.Bytes)):F1} " +
                $"write_ns_per_msg={Stats.Median(list.Select(m => m.Write)):F0} write_ns_range={Stats.Range(list.Select(m => m.Write), "F0")} " +
                $"read_ns_per_msg={Stats.Median(list.Select(m => m.Read)):F0} read_ns_range={Stats.Range(list.Select(m => m.Read), "F0")} " +
                $"write_alloc_per_msg={Stats.Median(list.Select(m => m.WriteAlloc)):F0} read_alloc_per_msg={Stats.Median(list.Select(m => m.ReadAlloc)):F0}");
        }
    }

    /// <summary>
    /// Half the time writing, half reading what was written. Costs are the process's CPU time (this thread's work and
    /// the collections it causes; a busy machine stretches wall time, not this); allocations include the arrays written.
    /// </summary>
    private static (double Write, double Read, double Bytes, double WriteAlloc, double ReadAlloc) Measure(Func<byte[][]> write, Func<byte[][], int> read, int perBatch, TimeSpan duration)
    {
        var bytes = write();
        long batches = 0;
        var alloc = GC.GetAllocatedBytesForCurrentThread();
        var cpu = CpuTime();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration / 2)
        {
            bytes = write();
            batches++;
        }

        var writeNs = (CpuTime() - cpu).TotalNanoseconds / (batches * perBatch);
        var writeAlloc = (double)(GC.GetAllocatedBytesForCurrentThread() - alloc) / (batches * perBatch);

        batches = 0;
        alloc = GC.GetAllocatedBytesForCurrentThread();
        cpu = CpuTime();
        clock.Restart();
        while (clock.Elapsed < duration / 2)
        {
            if (read(bytes) != perBatch)
            {
                throw new InvalidOperationException("a batch lost messages");
            }

            batches++;
        }

        var readNs = (CpuTime() - cpu).TotalNanoseconds / (batches * perBatch);
        var readAlloc = (double)(GC.GetAllocatedBytesForCurrentThread() - alloc) / (batches * perBatch);
        return (writeNs, readNs, (double)bytes.Sum(b => b.Length) / perBatch, writeAlloc, readAlloc);
    }

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>What a receiver needs to parse again: the bytes and where and when they arrived (an origin already in the batch costs its index, as in ours).</summary>
    private static void WriteRaw(BinaryWriter w, SyslogMessage[] messages)
    {
        w.Write(messages.Length);
        var origins = new Dictionary<Origin, int>(ReferenceEqualityComparer.Instance);
        foreach (var m in messages)
        {
            w.Write7BitEncodedInt(m.Raw.Length);
            w.Write(m.Raw);
            w.Write(m.ReceivedAt.UtcTicks);
            w.Write((short)m.ReceivedAt.TotalOffsetMinutes);
            w.Write(m.Truncated);
            if (origins.TryGetValue(m.Origin, out var id))
            {
                w.Write7BitEncodedInt(id + 1);
                continue;
            }

            var o = m.Origin;
            w.Write7BitEncodedInt(0);
            w.Write((byte)o.Transport);
            w.Write(o.RemoteAddress ?? "");
            w.Write(o.RemotePort);
            w.Write(o.LocalAddress);
            w.Write(o.LocalPort);
            w.Write(o.Listener);
            origins.Add(o, origins.Count);
        }
    }

    private static SyslogMessage[] ReadAndParse(BinaryReader r, SyslogParser parser)
    {
        var messages = new SyslogMessage[r.ReadInt32()];
        var origins = new List<Origin>();
        for (var i = 0; i < messages.Length; i++)
        {
            var raw = r.ReadBytes(r.Read7BitEncodedInt());
            var ticks = r.ReadInt64();
            var offset = TimeSpan.FromMinutes(r.ReadInt16());
            var receivedAt = new DateTimeOffset(ticks + offset.Ticks, offset);
            var truncated = r.ReadBoolean();
            var id = r.Read7BitEncodedInt();
            if (id == 0)
            {
                var transport = (Transport)r.ReadByte();
                var remote = r.ReadString();
                origins.Add(new Origin(transport, remote.Length == 0 ? null : remote, r.ReadInt32(), r.ReadString(), r.ReadInt32(), r.ReadString()));
                id = origins.Count;
            }

            messages[i] = parser.Parse(raw, origins[id - 1], receivedAt, truncated);
        }

        return messages;
    }
}
