using Syslogintr.Ingest;

namespace Syslogintr.Pipeline.Filtering;

/// <summary>
/// The compiled form of a <see cref="FilterSpec"/> (and, for one instance of a pooled rule, its
/// <see cref="Partition"/>): decides in C#, before any actor hop, whether a consumer wants a message.
/// </summary>
public sealed class MessageFilter
{
    private readonly Selector selector;
    private readonly NameList? programs;
    private readonly NameList? hosts;
    private readonly Partition? partition;

    private MessageFilter(FilterSpec spec, Partition? partition)
    {
        selector = new Selector(spec.Select);
        programs = NameList.From(spec.Programs);
        hosts = NameList.From(spec.Hosts);
        this.partition = partition;
    }

    /// <summary>True for <c>*.*</c> without programs, hosts or partition: the router then skips filtering altogether.</summary>
    public bool AcceptsEverything => selector.AcceptsEverything && programs is null && hosts is null && partition is null;

    /// <summary>Throws <see cref="FormatException"/> for a selector that is not syslog.conf syntax.</summary>
    public static MessageFilter Compile(FilterSpec spec, Partition? partition = null) => new(spec, partition);

    public bool Accepts(SyslogMessage message) =>
        selector.Accepts(message.Facility, message.Severity)
        && (programs is null || programs.Contains(message.AppName))
        && (hosts is null || hosts.Contains(message.Hostname))
        && (partition is null || partition.Owns(message));
}
