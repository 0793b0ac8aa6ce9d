using System.Globalization;
using Syslogintr.Ingest;

namespace Syslogintr.Pipeline;

/// <summary>
/// Builds the messages the node logs about itself (a rule's <c>syslog()</c>, a probe's result): one place that
/// stamps them internal, with this node's hostname, who injected them and how deep they are, so rules and sinks
/// see them alike whoever made them. Enqueueing them is <see cref="MessageInjector"/>'s job.
/// </summary>
public sealed class InternalMessages(TimeProvider clock, string hostName)
{
    /// <param name="injectedBy">The rule or component logging it (<see cref="SyslogMessage.InjectedBy"/>).</param>
    /// <param name="generation">0 for what the node observes itself; n + 1 for an answer to a message of generation n.</param>
    /// <param name="at">When it happened; now when not given.</param>
    public SyslogMessage Create(
        string injectedBy,
        Facility facility,
        Severity severity,
        string appName,
        string text,
        int generation = 0,
        DateTimeOffset? at = null,
        bool withProcessId = false)
    {
        var when = at ?? clock.GetUtcNow();
        return new SyslogMessage
        {
            Facility = facility,
            Severity = severity,
            Timestamp = when,
            ReceivedAt = when,
            Hostname = hostName,
            AppName = appName,
            ProcId = withProcessId ? Environment.ProcessId.ToString(CultureInfo.InvariantCulture) : null,
            Message = text,
            Origin = Origin.Internal,
            Format = SyslogFormat.Rfc3164,
            Generation = generation,
            InjectedBy = injectedBy,
        };
    }

    /// <summary>
    /// True when <paramref name="message"/> is deeper than <paramref name="maxGeneration"/>: rules logging about each
    /// other's messages would loop forever, so it is refused (counted, never injected).
    /// </summary>
    public static bool BeyondLimit(SyslogMessage message, int maxGeneration) => message.Generation > maxGeneration;
}
