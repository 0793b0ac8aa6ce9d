namespace Syslogintr.Pipeline.Filtering;

/// <summary>
/// Which messages a consumer wants, as plain data so it can travel in <see cref="Subscribe"/> (and across nodes):
/// a syslog.conf selector (<see cref="Select"/>), narrowed to <see cref="Programs"/> and <see cref="Hosts"/> when
/// those are not empty. <see cref="MessageFilter.Compile"/> turns it into the matcher on the receiving side. File sinks, the
/// console and rules' <c>match</c> all come down to this one record and so to one semantics (README, "Filters").
/// </summary>
public sealed record FilterSpec
{
    /// <summary>Every message.</summary>
    public static readonly FilterSpec All = new();

    /// <summary>A syslog.conf selector such as <c>*.info;mail.none</c>.</summary>
    public string Select { get; init; } = "*.*";

    /// <summary>APP-NAME / tag program names, compared ignoring case; a trailing <c>*</c> matches a prefix. Empty: any program.</summary>
    public IReadOnlyList<string> Programs { get; init; } = [];

    /// <summary>Header HOSTNAMEs, compared ignoring case; a trailing <c>*</c> matches a prefix. Empty: any host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    // Lists compare by content: two specs written alike are equal, whatever list instances hold them.
    public bool Equals(FilterSpec? other) =>
        other is not null && Select == other.Select && Programs.SequenceEqual(other.Programs) && Hosts.SequenceEqual(other.Hosts);

    public override int GetHashCode() => HashCode.Combine(Select, Programs.Count, Hosts.Count);
}
