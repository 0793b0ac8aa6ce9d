using Syslogintr.Actions;
using Syslogintr.Metrics;

namespace Syslogintr.Sinks.FileWrite;

/// <summary>Counts rules' <c>write()</c> as the events <c>write.lines</c>, <c>write.errors</c>, <c>write.discarded</c> and <c>write.discarded_bytes</c>, the names operators already read.</summary>
public sealed class WriteEvents(ActionCounters events) : IWriteCounters
{
    public void OnWritten(int lines) => events.Add("write.lines", lines);

    public void OnWriteError() => events.Increment("write.errors");

    public void OnDiscarded(int lines, int bytes)
    {
        events.Add("write.discarded", lines);
        events.Add("write.discarded_bytes", bytes);
    }

    /// <summary>A path outside the allowed directories.</summary>
    public void OnRefused() => events.Increment("write.refused");
}
