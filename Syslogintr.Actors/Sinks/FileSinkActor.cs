using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Sinks;

/// <summary>
/// Appends the messages the router hands it to one file (or standard output), formatted as configured.
/// Lines are buffered and written on an interval and at stop; a failed write (disk full) keeps the lines that did not
/// reach the file (<see cref="PendingLines"/>: none repeated, none torn), counts the error and is retried on the next
/// interval, up to a bound beyond which the pending lines are dropped and counted, as are those still pending at stop.
/// Runs on the sink dispatcher: a slow disk holds up this actor only, and the router drops its share if it lags.
/// </summary>
public sealed class FileSinkActor : ReceiveActor, IWithTimers
{
    private readonly FileSinkSettings settings;
    private readonly SinkCounters counters;
    private readonly Func<FileSinkSettings, Stream> open;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private const int WriteAtBytes = 256 * 1024;

    private readonly StringBuilder line = new(1024);
    private readonly PendingLines pending = new();
    private Stream? stream;
    private bool failing;

    public FileSinkActor(FileSinkSettings settings, SinkCounters counters, Func<FileSinkSettings, Stream> open)
    {
        this.settings = settings;
        this.counters = counters;
        this.open = open;
        Receive<MessageBatch>(OnBatch);
        Receive<Flush>(_ => TryWrite());
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
        return new FileStream(settings.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    protected override void PreStart()
    {
        stream = open(settings);
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
        Timers.StartPeriodicTimer("flush", Flush.Instance, settings.FlushInterval);
    }

    protected override void PostStop()
    {
        TryWrite();
        if (pending.Lines > 0)
        {
            var (lines, bytes) = pending.Discard();
            counters.OnDiscarded(lines, bytes);
            log.Error("file sink {0}: {1} lines ({2} bytes) could not be written at stop", settings.Name, lines, bytes);
        }

        stream?.Dispose();
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void OnBatch(MessageBatch batch)
    {
        foreach (var message in batch.Messages)
        {
            line.Clear();
            SyslogFormatter.Append(line, message, settings.Format, settings.EscapeControlCharacters);
            pending.Add(line);
        }

        Sender.Tell(BatchDone.Instance);

        if (pending.Bytes >= WriteAtBytes && !failing)
        {
            TryWrite(); // while writes fail, only the interval retries: not every batch
        }

        if (pending.Bytes > settings.MaxPendingBytes)
        {
            var (lines, bytes) = pending.Discard();
            counters.OnDiscarded(lines, bytes);
            log.Error("file sink {0}: {1} lines ({2} bytes) discarded after repeated write failures", settings.Name, lines, bytes);
        }
    }

    private void TryWrite()
    {
        if (pending.Lines == 0 || stream is null)
        {
            return;
        }

        counters.OnWritten(pending.WriteTo(stream, out var error));
        if (error is null)
        {
            if (failing)
            {
                failing = false;
                log.Info("file sink {0}: writing again", settings.Name);
            }

            return;
        }

        // Disk full or similar: what did not reach the file stays pending and is tried again on the next interval.
        counters.OnWriteError();
        if (!failing)
        {
            failing = true;
            log.Error("file sink {0}: write to {1} failed, will retry: {2}", settings.Name, settings.Path, error.Message);
        }
    }

    /// <summary>After logrotate moved the file away: write what is pending to the old file, then open the path anew.</summary>
    private void Reopen()
    {
        if (settings.IsConsole)
        {
            return;
        }

        TryWrite();
        try
        {
            var fresh = open(settings);
            stream?.Dispose();
            stream = fresh;
            log.Info("file sink {0}: reopened {1}", settings.Name, settings.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.OnWriteError();
            log.Error("file sink {0}: cannot reopen {1}, keeping the old file: {2}", settings.Name, settings.Path, e.Message);
        }
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
