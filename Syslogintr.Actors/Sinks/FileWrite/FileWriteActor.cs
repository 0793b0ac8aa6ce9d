using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Sinks.FileWrite;

/// <summary>
/// Serves rules' <c>write(path, line)</c> (<see cref="FileWriteRequested"/>): appends the line and a newline to a
/// file inside an allowed directory, keeping files open and buffered (<see cref="PendingLines"/>), written every
/// flush interval, at 64 KiB and at stop. A line holds no CR or LF (written as <c>#015</c>/<c>#012</c>; every control
/// character with <c>escape-control-characters</c>), so one write is one line whatever a log message held.
/// SIGHUP (<see cref="HangupReceived"/>) closes every file so log rotation works; the next write reopens it.
/// A refused path or a failed write is counted and logged, never fatal: a failed write (disk full) keeps the lines
/// that did not reach the file and retries them on the next interval, up to a bound per file beyond which they are
/// dropped and counted (<c>write.discarded</c>, <c>write.discarded_bytes</c>), as are those still pending at close.
/// </summary>
public sealed class FileWriteActor : ReceiveActor, IWithTimers
{
    private const int WriteAtBytes = 64 * 1024;
    private const int MaxPendingBytesPerFile = 4 * 1024 * 1024;

    private readonly FileWriteSettings settings;
    private readonly ActionCounters counters;
    private readonly Func<string, Stream> openStream;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, OpenFile> open = new(StringComparer.Ordinal);
    private readonly HashSet<string> failing = new(StringComparer.Ordinal);
    private readonly StringBuilder line = new(1024);
    private long writes;

    public FileWriteActor(FileWriteSettings settings, ActionCounters counters, Func<string, Stream> openStream)
    {
        this.settings = settings;
        this.counters = counters;
        this.openStream = openStream;
        Receive<FileWriteRequested>(OnWrite);
        Receive<FlushDue>(_ => FlushAll());
        Receive<HangupReceived>(_ => CloseAll("SIGHUP"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="openStream">How a file is opened for appending: <see cref="OpenForAppend"/>, unless a test wraps the stream to fill its disk.</param>
    public static Props Props(FileWriteSettings settings, ActionCounters counters, Func<string, Stream>? openStream = null)
    {
        var opener = openStream ?? OpenForAppend;
        return Akka.Actor.Props.Create(() => new FileWriteActor(settings, counters, opener)).WithDispatcher(ActionsHosting.DispatcherId);
    }

    public static Stream OpenForAppend(string path) =>
        new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
        Timers.StartPeriodicTimer("flush", FlushDue.Instance, settings.FlushInterval);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        CloseAll("stop");
    }

    private void OnWrite(FileWriteRequested request)
    {
        var path = settings.Permit(request.Path);
        if (path is null)
        {
            counters.Increment("write.refused");
            log.Warning("write from rule {0} refused: '{1}' is not inside {2}", request.Rule, request.Path, string.Join(", ", settings.AllowedDirectories));
            return;
        }

        line.Clear();
        SyslogFormatter.AppendText(line, request.Line, settings.EscapeControlCharacters);
        OpenFile file;
        try
        {
            file = Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.Increment("write.errors");
            Discarded(1, Encoding.UTF8.GetByteCount(line.ToString()) + 1);
            Failed(path, request.Rule, e);
            return;
        }

        file.Pending.Add(line);
        file.LastWrite = ++writes;
        if (file.Pending.Bytes >= WriteAtBytes && !failing.Contains(path))
        {
            // While writes to this file fail, only the interval retries: not every line.
            Write(path, file, request.Rule);
        }

        if (file.Pending.Bytes > MaxPendingBytesPerFile)
        {
            var (lines, bytes) = file.Pending.Discard();
            Discarded(lines, bytes);
            log.Error("write to {0}: {1} lines discarded after repeated write failures", path, lines);
        }
    }

    private OpenFile Open(string path)
    {
        if (open.TryGetValue(path, out var file))
        {
            return file;
        }

        if (open.Count >= settings.MaxOpenFiles)
        {
            var oldest = open.MinBy(f => f.Value.LastWrite);
            Close(oldest.Key, oldest.Value);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        file = new OpenFile(openStream(path));
        open[path] = file;
        return file;
    }

    private void FlushAll()
    {
        foreach (var (path, file) in open)
        {
            Write(path, file, null);
        }
    }

    /// <summary>Writes what is pending for one file; what did not reach it stays pending for the next try.</summary>
    private void Write(string path, OpenFile file, string? rule)
    {
        if (file.Pending.Lines == 0)
        {
            return;
        }

        counters.Add("write.lines", file.Pending.WriteTo(file.Stream, out var error));
        if (error is not null)
        {
            counters.Increment("write.errors");
            Failed(path, rule, error);
        }
        else if (failing.Remove(path))
        {
            log.Info("write to {0} works again", path);
        }
    }

    private void CloseAll(string why)
    {
        if (open.Count > 0)
        {
            log.Info("closing {0} written files ({1})", open.Count, why);
        }

        foreach (var (path, file) in open.ToList())
        {
            Close(path, file);
        }
    }

    /// <summary>Closing gives the file a last try; lines that still do not reach it are discarded and counted.</summary>
    private void Close(string path, OpenFile file)
    {
        open.Remove(path);
        Write(path, file, null);
        if (file.Pending.Lines > 0)
        {
            var (lines, bytes) = file.Pending.Discard();
            Discarded(lines, bytes);
            log.Warning("closing {0}: {1} lines could not be written", path, lines);
        }

        try
        {
            file.Stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.Increment("write.errors");
            log.Warning("closing {0}: {1}", path, e.Message);
        }
    }

    private void Discarded(int lines, int bytes)
    {
        counters.Add("write.discarded", lines);
        counters.Add("write.discarded_bytes", bytes);
    }

    /// <summary>The error is logged once per file until a write to it succeeds.</summary>
    private void Failed(string path, string? rule, Exception e)
    {
        if (failing.Add(path))
        {
            log.Error("write to {0}{1} failed: {2}", path, rule is null ? "" : $" (rule {rule})", e.Message);
        }
    }

    private sealed class OpenFile(Stream stream)
    {
        public Stream Stream { get; } = stream;

        public PendingLines Pending { get; } = new();

        public long LastWrite { get; set; }
    }

    private sealed class FlushDue
    {
        public static readonly FlushDue Instance = new();
    }
}
