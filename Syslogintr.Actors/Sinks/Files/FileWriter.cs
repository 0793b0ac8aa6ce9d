using System.Text;
using Akka.Event;
using Syslogintr.Metrics;

namespace Syslogintr.Sinks.Files;

/// <summary>
/// Appends lines to files, for the file sinks (one fixed path) and rules' <c>write()</c> (paths a rule chooses,
/// confined to base directories). Keeps up to <see cref="FileWriterLimits.MaxOpenFiles"/> files open, each with its
/// <see cref="PendingLines"/>, written on <see cref="FlushAll"/>, at <see cref="FileWriterLimits.WriteAtBytes"/> and
/// on close. A failed write (disk full) keeps what did not reach the file and is retried by the next flush, up to
/// <see cref="FileWriterLimits.MaxPendingBytes"/> per file, beyond which the lines are discarded and counted, as are
/// those still pending when a file closes. Errors are counted and logged once per file until it works again.
/// A file that stays quiet for <see cref="FileWriterLimits.CloseIdleAfterFlushes"/> flushes is closed (its lines
/// written), so a file renamed or deleted without a SIGHUP is not held open for ever; its next line reopens the path.
/// Not thread-safe: owned by one actor, which only decides what to write and when to flush.
/// </summary>
public sealed class FileWriter(FileWriterLimits limits, IWriteCounters counters, Func<string, Stream> open, ILoggingAdapter log)
{
    private readonly Dictionary<string, OpenFile> files = new(StringComparer.Ordinal);
    private readonly HashSet<string> failing = new(StringComparer.Ordinal);
    private long appends;

    /// <summary>How files are opened unless a test wraps the stream: appended by us alone, never locked against rotation, unbuffered (<see cref="PendingLines"/> is the buffer).</summary>
    public static Stream OpenForAppend(string path) =>
        new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    /// <summary>Opens <paramref name="path"/> now (an error is the caller's) and keeps it open: a SIGHUP reopens it.</summary>
    public void Keep(string path)
    {
        var file = Open(path);
        file.Kept = true;
    }

    /// <summary>
    /// Adds <paramref name="line"/> (which holds no newline) and a newline to the file at <paramref name="path"/>;
    /// false, and nothing written, when the path lies outside the base directories.
    /// </summary>
    /// <param name="source">Who asked, for the log (a rule's name), or null.</param>
    public bool Append(string path, StringBuilder line, string? source)
    {
        var permitted = limits.Confinement is null ? path : limits.Confinement.Permit(path);
        if (permitted is null)
        {
            return false;
        }

        OpenFile file;
        try
        {
            file = files.GetValueOrDefault(permitted) ?? Open(permitted);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.OnWriteError();
            counters.OnDiscarded(1, Encoding.UTF8.GetByteCount(line.ToString()) + 1);
            Failed(permitted, source, e);
            return true;
        }

        file.Pending.Add(line);
        file.LastAppend = ++appends;
        file.LineSinceFlush = true;
        if (file.Pending.Bytes >= limits.WriteAtBytes && !failing.Contains(permitted))
        {
            // While writes to this file fail, only the flush retries: not every line.
            Write(permitted, file, source);
        }

        if (file.Pending.Bytes > limits.MaxPendingBytes)
        {
            var (lines, bytes) = file.Pending.Discard();
            counters.OnDiscarded(lines, bytes);
            log.Error("{0}: {1} lines ({2} bytes) for {3} discarded after repeated write failures", limits.Name, lines, bytes, permitted);
        }

        return true;
    }

    /// <summary>
    /// Whether <see cref="FlushAll"/> has anything to do: lines waiting to be written (or retried), or a file it will
    /// close once quiet for long enough. While false the owner's flush timer stays off, so an idle node does not wake.
    /// </summary>
    public bool NeedsFlush => files.Values.Any(file => file.Pending.Lines > 0 || (limits.CloseIdleAfterFlushes > 0 && !file.Kept));

    /// <summary>
    /// Writes what every open file has pending, then closes each file (not kept, nothing left pending) that got no
    /// line since the last <see cref="FileWriterLimits.CloseIdleAfterFlushes"/> calls: called on a timer, this measures
    /// idleness in whole flush intervals without a clock or a thread of its own.
    /// </summary>
    public void FlushAll()
    {
        foreach (var (path, file) in files.ToList())
        {
            Write(path, file, null);
            file.QuietFlushes = file.LineSinceFlush ? 0 : file.QuietFlushes + 1;
            file.LineSinceFlush = false;
            if (IsIdle(file))
            {
                Close(path, file);
            }
        }
    }

    /// <summary>
    /// After logrotate moved files away (SIGHUP): every file gets what is pending, then a kept file is opened anew
    /// (the old one stays if that fails) and the others are closed, to be reopened by their next line.
    /// </summary>
    public void Reopen()
    {
        foreach (var (path, file) in files.ToList())
        {
            if (!file.Kept)
            {
                Close(path, file);
                continue;
            }

            Write(path, file, null);
            try
            {
                var fresh = open(path);
                file.Stream.Dispose();
                file.Stream = fresh;
                log.Info("{0}: reopened {1}", limits.Name, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                counters.OnWriteError();
                log.Error("{0}: cannot reopen {1}, keeping the old file: {2}", limits.Name, path, e.Message);
            }
        }
    }

    /// <summary>Closes every file, each given a last try (at stop).</summary>
    public void CloseAll()
    {
        foreach (var (path, file) in files.ToList())
        {
            Close(path, file);
        }
    }

    private OpenFile Open(string path)
    {
        if (files.Count >= limits.MaxOpenFiles)
        {
            var oldest = files.MinBy(f => f.Value.LastAppend);
            Close(oldest.Key, oldest.Value);
        }

        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var file = new OpenFile(open(path));
        files[path] = file;
        return file;
    }

    /// <summary>A file whose writes still fail keeps its lines and its retries: closing it would discard them.</summary>
    private bool IsIdle(OpenFile file) =>
        limits.CloseIdleAfterFlushes > 0 && !file.Kept && file.Pending.Lines == 0 && file.QuietFlushes >= limits.CloseIdleAfterFlushes;

    /// <summary>Writes what is pending for one file; what did not reach it stays pending for the next try.</summary>
    private void Write(string path, OpenFile file, string? source)
    {
        if (file.Pending.Lines == 0)
        {
            return;
        }

        counters.OnWritten(file.Pending.WriteTo(file.Stream, out var error));
        if (error is not null)
        {
            counters.OnWriteError();
            Failed(path, source, error);
        }
        else if (failing.Remove(path))
        {
            log.Info("{0}: writing to {1} again", limits.Name, path);
        }
    }

    /// <summary>Closing gives the file a last try; lines that still do not reach it are discarded and counted.</summary>
    private void Close(string path, OpenFile file)
    {
        files.Remove(path);
        Write(path, file, null);
        if (file.Pending.Lines > 0)
        {
            var (lines, bytes) = file.Pending.Discard();
            counters.OnDiscarded(lines, bytes);
            log.Error("{0}: closing {1}: {2} lines ({3} bytes) could not be written", limits.Name, path, lines, bytes);
        }

        try
        {
            file.Stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.OnWriteError();
            log.Warning("{0}: closing {1}: {2}", limits.Name, path, e.Message);
        }
    }

    /// <summary>The error is logged once per file until a write to it succeeds.</summary>
    private void Failed(string path, string? source, Exception e)
    {
        if (failing.Add(path))
        {
            log.Error("{0}: write to {1}{2} failed, will retry: {3}", limits.Name, path, source is null ? "" : $" (from {source})", e.Message);
        }
    }

    private sealed class OpenFile(Stream stream)
    {
        public Stream Stream { get; set; } = stream;

        public PendingLines Pending { get; } = new();

        public long LastAppend { get; set; }

        public bool Kept { get; set; }

        public bool LineSinceFlush { get; set; }

        /// <summary>Whole flush intervals in a row without a line.</summary>
        public int QuietFlushes { get; set; }
    }
}
