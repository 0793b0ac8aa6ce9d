using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Actions;
using Syslogintr.Hosting;

namespace Syslogintr.Sinks.FileWrite;

/// <summary>
/// Serves rules' <c>write(path, line)</c> (<see cref="FileWriteRequested"/>): appends the line and a newline to a
/// file inside an allowed directory, keeping files open and buffered, flushed every flush interval and at stop.
/// SIGHUP (<see cref="HangupReceived"/>) closes every file so log rotation works; the next write reopens it.
/// A refused path or a failed write is counted and logged, never fatal.
/// </summary>
public sealed class FileWriteActor : ReceiveActor, IWithTimers
{
    private readonly FileWriteSettings settings;
    private readonly ActionCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, OpenFile> open = new(StringComparer.Ordinal);
    private readonly HashSet<string> failing = new(StringComparer.Ordinal);
    private long writes;

    public FileWriteActor(FileWriteSettings settings, ActionCounters counters)
    {
        this.settings = settings;
        this.counters = counters;
        Receive<FileWriteRequested>(OnWrite);
        Receive<FlushDue>(_ => FlushAll());
        Receive<HangupReceived>(_ => CloseAll("SIGHUP"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(FileWriteSettings settings, ActionCounters counters) =>
        Akka.Actor.Props.Create(() => new FileWriteActor(settings, counters)).WithDispatcher(ActionsHosting.DispatcherId);

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

        var line = settings.EscapeNewlines ? request.Line.Replace("\r", "#015").Replace("\n", "#012") : request.Line;
        try
        {
            var file = Open(path);
            file.Writer.Write(line);
            file.Writer.Write('\n');
            file.LastWrite = ++writes;
            file.Dirty = true;
            counters.Increment("write.lines");
            if (failing.Remove(path))
            {
                log.Info("write to {0} works again", path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(path, request.Rule, e);
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
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        file = new OpenFile(new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024));
        open[path] = file;
        return file;
    }

    private void FlushAll()
    {
        foreach (var (path, file) in open.Where(f => f.Value.Dirty).ToList())
        {
            try
            {
                file.Writer.Flush();
                file.Dirty = false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(path, null, e);
            }
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

    private void Close(string path, OpenFile file)
    {
        open.Remove(path);
        try
        {
            file.Writer.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.Increment("write.errors");
            log.Warning("closing {0}: {1}; buffered lines may be lost", path, e.Message);
        }
    }

    /// <summary>The file is closed (a full disk loses its buffered lines, counted) and reopened by the next write; the error is logged once until a write succeeds.</summary>
    private void Fail(string path, string? rule, Exception e)
    {
        counters.Increment("write.errors");
        if (open.Remove(path, out var file))
        {
            try
            {
                file.Writer.Dispose();
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // Already counted: the same failure surfacing again at close.
            }
        }

        if (failing.Add(path))
        {
            log.Error("write to {0}{1} failed: {2}", path, rule is null ? "" : $" (rule {rule})", e.Message);
        }
    }

    private sealed class OpenFile(StreamWriter writer)
    {
        public StreamWriter Writer { get; } = writer;

        public long LastWrite { get; set; }

        public bool Dirty { get; set; }
    }

    private sealed class FlushDue
    {
        public static readonly FlushDue Instance = new();
    }
}
