using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Metrics;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Sinks.Files;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Sinks.FileWrite;

/// <summary>
/// Serves rules' <c>write(path, line)</c> (<see cref="FileWriteRequested"/>): hands the line to a
/// <see cref="FileWriter"/> confined to the allowed directories, which buffers it and writes it every flush interval,
/// at 64 KiB and at stop. A line holds no CR or LF (written as <c>#015</c>/<c>#012</c>; every control character
/// with <c>escape-control-characters</c>), so one write is one line whatever a log message held. SIGHUP
/// (<see cref="HangupReceived"/>) closes every file so log rotation works, as does <c>close-idle-after</c> for a file
/// left without a line that long (checked on the flush tick); the next write reopens it. A refused path
/// or a failed write is counted and logged, never fatal.
/// </summary>
public sealed class FileWriteActor : ReceiveActor, IWithTimers
{
    private const int WriteAtBytes = 64 * 1024;
    private const int MaxPendingBytesPerFile = 4 * 1024 * 1024;

    private readonly FileWriteSettings settings;
    private readonly WriteEvents counters;
    private readonly FileWriter writer;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly StringBuilder line = new(1024);

    public FileWriteActor(FileWriteSettings settings, ActionCounters counters, Func<string, Stream> openStream)
    {
        this.settings = settings;
        this.counters = new WriteEvents(counters);
        writer = new FileWriter(
            new FileWriterLimits("write()", WriteAtBytes, MaxPendingBytesPerFile, settings.MaxOpenFiles, settings.Confinement, settings.CloseIdleAfterFlushes),
            this.counters,
            openStream,
            log);
        Receive<FileWriteRequested>(OnWrite);
        Receive<FlushDue>(_ =>
        {
            writer.FlushAll();
            Timers.ArmIfNeeded(writer, FlushDue.Instance, settings.FlushInterval);
        });
        Receive<HangupReceived>(_ => writer.Reopen());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="openStream">How a file is opened for appending: <see cref="FileWriter.OpenForAppend"/>, unless a test wraps the stream to fill its disk.</param>
    public static Props Props(FileWriteSettings settings, ActionCounters counters, Func<string, Stream>? openStream = null)
    {
        var opener = openStream ?? FileWriter.OpenForAppend;
        return Akka.Actor.Props.Create(() => new FileWriteActor(settings, counters, opener)).WithDispatcher(SinksHosting.Dispatcher);
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        writer.CloseAll();
    }

    private void OnWrite(FileWriteRequested request)
    {
        line.Clear();
        SyslogFormatter.AppendText(line, request.Line, settings.EscapeControlCharacters);
        if (!writer.Append(request.Path, line, $"rule {request.Rule}"))
        {
            counters.OnRefused();
            log.Warning("write from rule {0} refused: '{1}' is not inside {2}", request.Rule, request.Path, settings.Confinement);
        }

        Timers.ArmIfNeeded(writer, FlushDue.Instance, settings.FlushInterval);
    }

    private sealed class FlushDue
    {
        public static readonly FlushDue Instance = new();
    }
}
