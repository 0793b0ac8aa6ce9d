using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Sinks.Files;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Sinks;

/// <summary>
/// Appends the messages the router hands it to one file (or standard output), formatted as configured, through a
/// <see cref="FileWriter"/> that keeps the path open: lines are written one flush interval after the first unwritten one (no timer runs while none is), at 256 KiB and at stop; a
/// failed write (disk full) is counted and retried on the next interval, up to <c>max-pending</c>. SIGHUP reopens
/// the file. Runs on the sink dispatcher: a slow disk holds up this actor only, and the router drops its share if it lags.
/// </summary>
public sealed class FileSinkActor : ReceiveActor, IWithTimers
{
    private const int WriteAtBytes = 256 * 1024;

    private readonly FileSinkSettings settings;
    private readonly FileWriter writer;
    private readonly StringBuilder line = new(1024);

    public FileSinkActor(FileSinkSettings settings, SinkCounters counters, Func<FileSinkSettings, Stream> open)
    {
        this.settings = settings;
        writer = new FileWriter(
            new FileWriterLimits($"file sink {settings.Name}", WriteAtBytes, settings.MaxPendingBytes, MaxOpenFiles: 1, Confinement: null),
            counters,
            _ => open(settings),
            Context.GetLogger());
        Receive<MessageBatch>(OnBatch);
        Receive<Flush>(_ =>
        {
            writer.FlushAll();
            Timers.ArmIfNeeded(writer, Flush.Instance, settings.FlushInterval);
        });
        Receive<HangupReceived>(_ => Reopen());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="open">How the file is opened: <see cref="Open"/>, unless a test wraps the stream to fill its disk.</param>
    public static Props Props(FileSinkSettings settings, SinkCounters counters, Func<FileSinkSettings, Stream>? open = null)
    {
        var opener = open ?? Open;
        return Akka.Actor.Props.Create(() => new FileSinkActor(settings, counters, opener)).WithDispatcher(SinksHosting.Dispatcher);
    }

    /// <summary>Opens the file (creating its folder) so an unwritable path is found before the node starts.</summary>
    public static Stream Open(FileSinkSettings settings)
    {
        if (settings.IsConsole)
        {
            return Console.OpenStandardOutput();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(settings.Path)!);
        return FileWriter.OpenForAppend(settings.Path);
    }

    protected override void PreStart()
    {
        writer.Keep(settings.Path);
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
    }

    protected override void PostStop()
    {
        writer.CloseAll();
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void OnBatch(MessageBatch batch)
    {
        Sender.Tell(BatchDone.Instance);
        foreach (var message in batch.Messages)
        {
            line.Clear();
            SyslogFormatter.Append(line, message, settings.Format, settings.EscapeControlCharacters);
            writer.Append(settings.Path, line, null);
        }

        Timers.ArmIfNeeded(writer, Flush.Instance, settings.FlushInterval);
    }

    /// <summary>After logrotate moved the file away; standard output stays as it is.</summary>
    private void Reopen()
    {
        if (!settings.IsConsole)
        {
            writer.Reopen();
        }
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
