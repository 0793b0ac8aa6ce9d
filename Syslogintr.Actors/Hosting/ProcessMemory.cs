namespace Syslogintr.Hosting;

/// <summary>The process's memory as the trim sees it; <see cref="RuntimeMemory"/> in a node, made-up numbers in tests.</summary>
public interface IProcessMemory
{
    /// <summary>Bytes the process has allocated on the managed heap since it began.</summary>
    long AllocatedBytes();

    /// <summary>The process's resident set (what top shows as RES).</summary>
    long ResidentBytes();

    /// <summary>A full, blocking, compacting collection that decommits what it frees.</summary>
    void Collect();
}

/// <summary>The runtime's own numbers and collection.</summary>
public sealed class RuntimeMemory : IProcessMemory
{
    public long AllocatedBytes() => GC.GetTotalAllocatedBytes();

    public long ResidentBytes() => Environment.WorkingSet;

    public void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
