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
/// Text is buffered and written on an interval and at stop; a failed write (disk full) keeps the text, counts the
/// error and is retried on the next interval, up to a bound beyond which the oldest text is dropped and counted.
/// Runs on the sink dispatcher: a slow disk holds up this actor only, and the router drops its share if it lags.
/// </summary>
public sealed class FileSinkActor : ReceiveActor, IWithTimers
{
    private readonly FileSinkSettings settings;
    private readonly SinkCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private const int ChunkChars = 16 * 1024;

    private readonly StringBuilder pending = new(64 * 1024);
    private readonly Encoder encoder = new UTF8Encoding(false).GetEncoder();
    private readonly byte[] bytes = new byte[Encoding.UTF8.GetMaxByteCount(ChunkChars)];
    private Stream? stream;
    private bool failing;

    public FileSinkActor(FileSinkSettings settings, SinkCounters counters)
    {
        this.settings = settings;
        this.counters = counters;
        Receive<MessageBatch>(OnBatch);
        Receive<Flush>(_ => TryWrite());
        Receive<HangupReceived>(_ => Reopen());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(FileSinkSettings settings, SinkCounters counters) =>
        Akka.Actor.Props.Create(() => new FileSinkActor(settings, counters)).WithDispatcher(SinksHosting.Dispatcher);

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
        stream = Open(settings);
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
        Timers.StartPeriodicTimer("flush", Flush.Instance, settings.FlushInterval);
    }

    protected override void PostStop()
    {
        TryWrite();
        if (pending.Length > 0)
        {
            log.Error("file sink {0}: {1} characters could not be written at stop", settings.Name, pending.Length);
        }

        stream?.Dispose();
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void OnBatch(MessageBatch batch)
    {
        foreach (var message in batch.Messages)
        {
            SyslogFormatter.Append(pending, message, settings.Format, settings.EscapeControlCharacters);
            pending.Append('\n');
        }

        counters.OnFormatted(batch.Messages.Count);
        Sender.Tell(BatchDone.Instance);

        if (pending.Length >= 256 * 1024)
        {
            TryWrite();
        }

        if (pending.Length > settings.MaxPendingBytes)
        {
            counters.OnDiscarded(pending.Length);
            log.Error("file sink {0}: {1} characters discarded after repeated write failures", settings.Name, pending.Length);
            pending.Clear();
        }
    }

    private void TryWrite()
    {
        if (pending.Length == 0 || stream is null)
        {
            return;
        }

        try
        {
            foreach (var chunk in pending.GetChunks())
            {
                WriteChunk(chunk.Span);
            }

            stream.Flush();
            pending.Clear();
            if (failing)
            {
                failing = false;
                log.Info("file sink {0}: writing again", settings.Name);
            }
        }
        catch (IOException e)
        {
            // Disk full or similar: keep the text and try again on the next interval. What reached the file before
            // the error may be written again; a duplicate line beats a lost one.
            counters.OnWriteError();
            if (!failing)
            {
                failing = true;
                log.Error("file sink {0}: write to {1} failed, will retry: {2}", settings.Name, settings.Path, e.Message);
            }
        }
    }

    private void WriteChunk(ReadOnlySpan<char> chars)
    {
        while (!chars.IsEmpty)
        {
            var take = Math.Min(chars.Length, ChunkChars);
            var n = encoder.GetBytes(chars[..take], bytes, flush: false);
            stream!.Write(bytes, 0, n);
            chars = chars[take..];
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
            var fresh = Open(settings);
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
