using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Actor;
using Syslogintr.Ingest;

namespace Syslogintr.Bench.Wire;

/// <summary>
/// <c>wire</c>: node-to-node cost between two processes on loopback through Akka.Remote: batches of 1024, 256 and 16
/// real-looking messages with our binary format and credit (<see cref="WirePump.InFlight"/> messages in flight),
/// against one message per Tell with Akka's default JSON serializer. Modes interleaved, rounds repeated; per run
/// the acknowledged msg/s, each process's CPU µs per message (Process.TotalProcessorTime, i.e. /proc/PID/stat) and
/// the bytes per message the receiver's socket took in (<c>ss</c>' bytes_received: payload and Akka's envelope,
/// without TCP/IP headers).
/// </summary>
public static partial class WireBench
{
    /// <summary>Both processes: remoting on loopback, frames as large as the product allows (4 MiB), our format bound.</summary>
    public static readonly string Hocon = $$"""
        akka {
          loglevel = WARNING
          actor {
            provider = remote
            serializers.bench-wire = "{{typeof(BenchWireSerializer).AssemblyQualifiedName}}"
            serialization-bindings { "{{typeof(IBenchWireMessage).AssemblyQualifiedName}}" = bench-wire }
            serialization-identifiers { "{{typeof(BenchWireSerializer).AssemblyQualifiedName}}" = 4712 }
            # A SyslogMessage told alone goes through the default (JSON) serializer on purpose: that is the comparison.
          }
          remote.dot-netty.tcp {
            hostname = 127.0.0.1
            port = 0
            maximum-frame-size = 4MiB
            send-buffer-size = 4MiB
            receive-buffer-size = 4MiB
          }
        }
        """;

    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// <summary>16: what one bucket gets from a node's batch of 1024 when a partitioned rule has 64 buckets.</summary>
    private static readonly (string Name, int BatchSize)[] Modes = [("batch-1024", 1024), ("batch-256", 256), ("batch-16", 16), ("json-per-tell", 1)];

    public static async Task<int> RunAsync(int rounds, TimeSpan duration)
    {
        Console.WriteLine($"MACHINE cores={Environment.ProcessorCount} loadavg={LoadAverage()}");
        CodecCost.Run(rounds, TimeSpan.FromSeconds(2));

        using var receiver = StartReceiver(out var port);
        using var system = ActorSystem.Create("wire", Hocon);
        try
        {
            var sink = await system.ActorSelection($"akka.tcp://wire@127.0.0.1:{port}/user/sink").ResolveOne(TimeSpan.FromSeconds(20));
            var pump = system.ActorOf(Props.Create(() => new WirePump(sink, SampleTraffic.Messages(8192, 42))), "pump");
            foreach (var (_, batchSize) in Modes)
            {
                await RunOnce(pump, receiver, port, batchSize, TimeSpan.FromSeconds(3)); // JIT, connection, buffers
            }

            var results = Modes.ToDictionary(m => m.Name, _ => new List<Run>());
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (name, batchSize) in Modes)
                {
                    var run = await RunOnce(pump, receiver, port, batchSize, duration);
                    results[name].Add(run);
                    Console.WriteLine($"RESULT bench=wire mode={name} round={round} rate={run.Rate:F0} sender_cpu_us_per_msg={run.SenderCpu:F2} receiver_cpu_us_per_msg={run.ReceiverCpu:F2} wire_bytes_per_msg={Show(run.WireBytes)}");
                }
            }

            foreach (var (name, runs) in results)
            {
                Console.WriteLine($"RESULT bench=wire mode={name} rounds={runs.Count} rate={Stats.Median(runs.Select(r => r.Rate)):F0} rate_range={Stats.Range(runs.Select(r => r.Rate), "F0")} " +
                    $"sender_cpu_us_per_msg={Stats.Median(runs.Select(r => r.SenderCpu)):F2} sender_cpu_range={Stats.Range(runs.Select(r => r.SenderCpu), "F2")} " +
                    $"receiver_cpu_us_per_msg={Stats.Median(runs.Select(r => r.ReceiverCpu)):F2} receiver_cpu_range={Stats.Range(runs.Select(r => r.ReceiverCpu), "F2")} " +
                    $"wire_bytes_per_msg={Show(Stats.Median(runs.Select(r => r.WireBytes)))}");
            }

            var best = results["batch-1024"];
            var (rate, sender, receiverCpu) = (Stats.Median(best.Select(r => r.Rate)), Stats.Median(best.Select(r => r.SenderCpu)), Stats.Median(best.Select(r => r.ReceiverCpu)));
            var pass = rate >= 300_000 && sender <= 2 && receiverCpu <= 2;
            Console.WriteLine($"TARGET wire node-to-node >= 300000 msg/s at <= 2 us CPU per message per side (batch-1024 medians): rate={rate:F0} sender={sender:F2} receiver={receiverCpu:F2} {(pass ? "PASS" : "FAIL")}");
            Console.WriteLine($"MACHINE cores={Environment.ProcessorCount} loadavg={LoadAverage()}");
            return 0;
        }
        finally
        {
            await system.Terminate();
            receiver.StandardInput.Close();
            if (!receiver.WaitForExit(10_000))
            {
                receiver.Kill();
            }
        }
    }

    private static async Task<Run> RunOnce(IActorRef pump, Process receiver, int port, int batchSize, TimeSpan duration)
    {
        pump.Tell(new WirePump.Start(batchSize));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the window fills and the rate settles
        var before = await Sample(pump, receiver, port);
        await Task.Delay(duration);
        var after = await Sample(pump, receiver, port);
        await pump.Ask<WirePump.Done>(WirePump.Stop.Instance, TimeSpan.FromSeconds(60));
        var messages = after.Acknowledged - before.Acknowledged;
        return new Run(
            messages / (after.Time - before.Time).TotalSeconds,
            (after.SenderCpu - before.SenderCpu).TotalMicroseconds / messages,
            (after.ReceiverCpu - before.ReceiverCpu).TotalMicroseconds / messages,
            after.WireBytes < 0 ? -1 : (double)(after.WireBytes - before.WireBytes) / messages);
    }

    private static async Task<Snapshot> Sample(IActorRef pump, Process receiver, int port)
    {
        var acknowledged = await pump.Ask<long>(WirePump.Ask.Instance, TimeSpan.FromSeconds(10));
        receiver.Refresh();
        using var self = Process.GetCurrentProcess();
        return new Snapshot(acknowledged, Clock.Elapsed, self.TotalProcessorTime, receiver.TotalProcessorTime, ReceivedBytes(port));
    }

    private static Process StartReceiver(out int port)
    {
        var entry = typeof(WireBench).Assembly.Location;
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(entry);
        }

        start.ArgumentList.Add("wire-receiver");
        var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is not { } text || !text.StartsWith("PORT ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException("the receiver did not report its port within 60 s");
        }

        port = int.Parse(text[5..], CultureInfo.InvariantCulture);
        return process;
    }

    /// <summary>What the receiver's end of the connection took in (loopback; <c>ss -ti</c>), or -1 without <c>ss</c>.</summary>
    private static long ReceivedBytes(int port)
    {
        try
        {
            var start = new ProcessStartInfo("ss", ["-tinH", "state", "established", $"( sport = :{port} )"]) { RedirectStandardOutput = true };
            using var ss = Process.Start(start)!;
            var output = ss.StandardOutput.ReadToEnd();
            ss.WaitForExit();
            return BytesReceived().Matches(output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(",", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string Show(double bytes) => bytes < 0 ? "n/a" : bytes.ToString("F1", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"bytes_received:(\d+)")]
    private static partial Regex BytesReceived();

    private sealed record Run(double Rate, double SenderCpu, double ReceiverCpu, double WireBytes);

    private sealed record Snapshot(long Acknowledged, TimeSpan Time, TimeSpan SenderCpu, TimeSpan ReceiverCpu, long WireBytes);
}
