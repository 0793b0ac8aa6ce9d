using Syslogintr.Ingest;
using Syslogintr.Pipeline;

namespace Syslogintr.Rules;

/// <summary>
/// Picks the instance of a pooled rule for a message by a stable hash of one field, so everything about one key
/// (one attacker's address, one host) lands in the same Lua state.
/// </summary>
public static class PartitionKey
{
    public static readonly IReadOnlyList<string> Fields = ["remote", "host", "program", "facility", "level", "msgid", "localaddr"];

    public static bool IsKnown(string field) => Fields.Contains(field);

    public static string Of(SyslogMessage m, string field) => field switch
    {
        "remote" => m.Origin.RemoteAddress ?? m.Origin.LocalAddress,
        "host" => LuaMessageFields.Host(m),
        "program" => LuaMessageFields.Program(m),
        "facility" => m.Facility.LuaName(),
        "level" => m.Severity.LuaName(),
        "msgid" => m.MsgId ?? "",
        "localaddr" => m.Origin.LocalAddress,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "unknown partition field"),
    };

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static int Instance(string key, int instances)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)instances);
    }
}

/// <summary>The filter of instance <c>Index</c> of <c>Count</c>: the rule's match, and the key hashing to this instance.</summary>
public sealed class PartitionFilter(IMessageFilter match, string field, int index, int count) : IMessageFilter
{
    public bool Accepts(SyslogMessage message) =>
        match.Accepts(message) && PartitionKey.Instance(PartitionKey.Of(message, field), count) == index;
}
