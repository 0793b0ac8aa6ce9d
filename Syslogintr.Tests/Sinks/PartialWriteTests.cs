using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Actions;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Node;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Sinks;
using Syslogintr.Sinks.FileWrite;
using Syslogintr.Sinks.Files;
using Syslogintr.Sinks.Formatting;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

/// <summary>
/// A disk fills in the middle of a write and space comes back: every line is in the file exactly once, none torn,
/// and the counters say what was written and what was given up (in lines and bytes), also at stop.
/// </summary>
public sealed class PartialWriteTests : TestKit, IDisposable
{
    private const int Lines = 8000;
    private const int BatchSize = 500;

    private readonly string folder = TempFolder.Create();

    public PartialWriteTests()
        : base(NodeConfig.Defaults())
    {
    }

    private string MessagesPath => Path.Combine(folder, "messages");

    [Fact]
    public void File_sink_after_a_full_disk_has_every_line_once_and_none_torn()
    {
        var counters = new SinkCounters("full");
        FillingFileStream? disk = null;
        var sink = Sys.ActorOf(FileSinkActor.Props(SinkSettings(), counters, _ => disk = new FillingFileStream(MessagesPath, room: 100_001)));

        SendAll(sink);
        AwaitCondition(() => counters.WriteErrors >= 3, TimeSpan.FromSeconds(10));
        Assert.InRange(counters.Written, 1, Lines - 1);
        disk!.Room = long.MaxValue;

        AwaitCondition(() => counters.Written >= Lines, TimeSpan.FromSeconds(10));
        Assert.Equal(Lines, counters.Written);
        Assert.Equal(ExpectedSinkLines(), ReadLines(MessagesPath));
        Assert.Equal(0, counters.Discarded);
    }

    [Fact]
    public void File_sink_stopped_while_the_disk_is_full_counts_what_it_gives_up_and_leaves_no_torn_line()
    {
        var counters = new SinkCounters("full");
        FillingFileStream? disk = null;
        var sink = Sys.ActorOf(FileSinkActor.Props(SinkSettings(), counters, _ => disk = new FillingFileStream(MessagesPath, room: 50_001)));

        SendAll(sink);
        AwaitCondition(() => counters.WriteErrors >= 1, TimeSpan.FromSeconds(10));
        Watch(sink);
        sink.Tell(PoisonPill.Instance);
        ExpectTerminated(sink);

        var file = File.ReadAllText(MessagesPath);
        var lines = ReadLines(MessagesPath);
        Assert.EndsWith("\n", file);
        Assert.Equal(ExpectedSinkLines().Take(lines.Length), lines);
        Assert.Equal(lines.Length, counters.Written);
        Assert.Equal(Lines, counters.Written + counters.Discarded);
        Assert.Equal(ExpectedSinkLines().Skip(lines.Length).Sum(l => Encoding.UTF8.GetByteCount(l) + 1), counters.DiscardedBytes);
    }

    [Fact]
    public void File_sink_whose_retry_buffer_overflows_counts_the_lines_it_drops()
    {
        var counters = new SinkCounters("full");
        var sink = Sys.ActorOf(FileSinkActor.Props(SinkSettings() with { MaxPendingBytes = 100_000 }, counters, _ => new FillingFileStream(MessagesPath, room: 0)));

        SendAll(sink);
        Watch(sink);
        sink.Tell(PoisonPill.Instance);
        ExpectTerminated(sink);

        Assert.Equal(0, counters.Written);
        Assert.Equal(Lines, counters.Discarded);
        Assert.Equal(ExpectedSinkLines().Sum(l => l.Length + 1), counters.DiscardedBytes);
        Assert.Equal("", File.ReadAllText(MessagesPath));
    }

    [Fact]
    public void Write_after_a_full_disk_has_every_line_once_and_none_torn()
    {
        var counters = new ActionCounters();
        var path = Path.Combine(folder, "log", "written.log");
        FillingFileStream? disk = null;
        var writer = Sys.ActorOf(FileWriteActor.Props(WriteSettings(), counters, p => disk = new FillingFileStream(p, room: 100_001)));

        foreach (var line in ExpectedWrittenLines())
        {
            writer.Tell(new FileWriteRequested(path, line, "test"));
        }

        AwaitCondition(() => counters.Get("write.errors") >= 3, TimeSpan.FromSeconds(10));
        Assert.InRange(counters.Get("write.lines"), 1, Lines - 1);
        disk!.Room = long.MaxValue;

        AwaitCondition(() => counters.Get("write.lines") >= Lines, TimeSpan.FromSeconds(10));
        Assert.Equal(Lines, counters.Get("write.lines"));
        Assert.Equal(ExpectedWrittenLines(), ReadLines(path));
        Assert.Equal(0, counters.Get("write.discarded"));
    }

    [Fact]
    public void Write_stopped_while_the_disk_is_full_counts_what_it_gives_up_and_leaves_no_torn_line()
    {
        var counters = new ActionCounters();
        var path = Path.Combine(folder, "log", "written.log");
        var writer = Sys.ActorOf(FileWriteActor.Props(WriteSettings(), counters, p => new FillingFileStream(p, room: 50_001)));
        foreach (var line in ExpectedWrittenLines())
        {
            writer.Tell(new FileWriteRequested(path, line, "test"));
        }

        AwaitCondition(() => counters.Get("write.errors") >= 1, TimeSpan.FromSeconds(10));
        Watch(writer);
        writer.Tell(PoisonPill.Instance);
        ExpectTerminated(writer);

        var lines = ReadLines(path);
        Assert.EndsWith("\n", File.ReadAllText(path));
        Assert.Equal(ExpectedWrittenLines().Take(lines.Length), lines);
        Assert.Equal(lines.Length, counters.Get("write.lines"));
        Assert.Equal(Lines, counters.Get("write.lines") + counters.Get("write.discarded"));
        Assert.Equal(ExpectedWrittenLines().Skip(lines.Length).Sum(l => l.Length + 1), counters.Get("write.discarded_bytes"));
    }

    [PrivateTmpfsFact]
    public void File_sink_on_a_real_tmpfs_that_fills_and_frees_has_every_line_once_and_none_torn()
    {
        using var tmpfs = PrivateTmpfs.Create(folder, 1024 * 1024);
        var path = Path.Combine(tmpfs.Path, "messages");
        var filler = FillAllBut(tmpfs, 100 * 1024);
        var counters = new SinkCounters("tmpfs");
        var sink = Sys.ActorOf(FileSinkActor.Props(SinkSettings() with { Path = path }, counters, s => tmpfs.Run(() => FileSinkActor.Open(s))));

        SendAll(sink);
        AwaitCondition(() => counters.WriteErrors >= 2, TimeSpan.FromSeconds(10));
        Assert.InRange(counters.Written, 1, Lines - 1);
        tmpfs.Run(() => Delete(filler));

        AwaitCondition(() => counters.Written >= Lines, TimeSpan.FromSeconds(10));
        Assert.Equal(Lines, counters.Written);
        Assert.Equal(ExpectedSinkLines(), tmpfs.Run(() => ReadLines(path)));
    }

    [PrivateTmpfsFact]
    public void Write_on_a_real_tmpfs_that_fills_and_frees_has_every_line_once_and_none_torn()
    {
        using var tmpfs = PrivateTmpfs.Create(folder, 1024 * 1024);
        var path = Path.Combine(tmpfs.Path, "written.log");
        var filler = FillAllBut(tmpfs, 100 * 1024);
        var counters = new ActionCounters();
        var settings = new FileWriteSettings([FileWriteSettings.Directory(tmpfs.Path)], TimeSpan.FromMilliseconds(20), 64, true, TimeSpan.Zero);
        var writer = Sys.ActorOf(FileWriteActor.Props(settings, counters, p => tmpfs.Run(() => FileWriter.OpenForAppend(p))));

        foreach (var line in ExpectedWrittenLines())
        {
            writer.Tell(new FileWriteRequested(path, line, "test"));
        }

        AwaitCondition(() => counters.Get("write.errors") >= 2, TimeSpan.FromSeconds(10));
        Assert.InRange(counters.Get("write.lines"), 1, Lines - 1);
        tmpfs.Run(() => Delete(filler));

        AwaitCondition(() => counters.Get("write.lines") >= Lines, TimeSpan.FromSeconds(10));
        Assert.Equal(Lines, counters.Get("write.lines"));
        Assert.Equal(ExpectedWrittenLines(), tmpfs.Run(() => ReadLines(path)));
    }

    public new void Dispose()
    {
        base.Dispose();
        TempFolder.Delete(folder);
    }

    private FileSinkSettings SinkSettings() =>
        new("full", MessagesPath, FilterSpec.All, OutputFormat.Traditional, TimeSpan.FromMilliseconds(20), true, 16 * 1024 * 1024, OnLag.Backpressure);

    private FileWriteSettings WriteSettings() =>
        new([FileWriteSettings.Directory(Path.Combine(folder, "log"))], TimeSpan.FromMilliseconds(20), 64, true, TimeSpan.Zero);

    /// <summary>Fills the tmpfs with one file so that about <paramref name="free"/> bytes stay free; returns its path.</summary>
    private static string FillAllBut(PrivateTmpfs tmpfs, long free)
    {
        var filler = Path.Combine(tmpfs.Path, "filler");
        return tmpfs.Run(() =>
        {
            var size = new DriveInfo(tmpfs.Path).AvailableFreeSpace - free;
            File.WriteAllBytes(filler, new byte[size]);
            return filler;
        });
    }

    private static bool Delete(string path)
    {
        File.Delete(path);
        return true;
    }

    /// <summary>Sends every message in batches, as the router does, each batch acknowledged before the next.</summary>
    private void SendAll(IActorRef sink)
    {
        foreach (var batch in Messages().Chunk(BatchSize))
        {
            sink.Tell(new MessageBatch(batch));
            ExpectMsg<BatchDone>();
        }
    }

    private static IEnumerable<SyslogMessage> Messages() => Enumerable.Range(1, Lines).Select(i => new SyslogMessage
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        ReceivedAt = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
        Hostname = "h",
        AppName = "app",
        Message = $"line {i:D5} {new string('x', i % 97)}",
        Origin = Origin.Internal,
    });

    private static IEnumerable<string> ExpectedSinkLines() =>
        Messages().Select(m => SyslogFormatter.Format(m, OutputFormat.Traditional, escapeControl: true));

    private static IEnumerable<string> ExpectedWrittenLines() =>
        Enumerable.Range(1, Lines).Select(i => $"written {i:D5} {new string('y', i % 89)}");

    private static string[] ReadLines(string path)
    {
        var text = File.ReadAllText(path);
        return text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
    }
}
