namespace Syslogintr.Tests.Support;

/// <summary>
/// Tests that keep a core busy on purpose (throughput, scripts that loop forever, floods) or that measure time
/// (how long a sender is blocked) run alone, after the parallel ones, so they neither starve nor are starved by
/// other tests on a small shared machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: cpu-heavy or timing-sensitive";
}
