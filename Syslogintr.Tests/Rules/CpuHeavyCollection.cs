namespace Syslogintr.Tests.Rules;

/// <summary>
/// Tests that keep a core busy on purpose (throughput, scripts that loop forever) run alone, after the parallel
/// ones, so they do not starve other tests' timing on a small shared machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CpuHeavyCollection
{
    public const string Name = "cpu-heavy rule tests";
}
