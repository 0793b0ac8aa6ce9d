using Syslogintr.Ingest;

namespace Syslogintr.Pipeline.Filtering;

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
        // The header's host name, as filters' `host` lists: a rule's partition and its match speak of the same host.
        "host" => m.Hostname ?? "",
        "program" => m.AppName ?? "",
        "facility" => m.Facility.Name(),
        "level" => m.Severity.Name(),
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

/// <summary>Instance <paramref name="Index"/> of a pool of <paramref name="Count"/>, keyed by <paramref name="Field"/> (one of <see cref="PartitionKey.Fields"/>).</summary>
public sealed record Partition(string Field, int Index, int Count)
{
    public bool Owns(SyslogMessage message) => PartitionKey.Instance(PartitionKey.Of(message, Field), Count) == Index;
}
