namespace Syslogintr.Hosting;

/// <summary>
/// When to collect: after a look that found the process quiet, if enough was allocated since the last collection
/// asked for to be worth one. Pure arithmetic on the allocation count, so tests drive it with made-up numbers.
/// </summary>
public sealed class IdleMemoryTrim(long allocatedAtStart)
{
    /// <summary>
    /// Less than this allocated between two looks is quiet: a few thousand messages (about 1 KB each). A node that
    /// trickles more keeps collecting on its own; it is the one that stops dead that keeps its garbage.
    /// </summary>
    public const long QuietBytes = 4L * 1024 * 1024;

    /// <summary>
    /// At least this allocated since the last collection asked for, or there is little to give back (the GC's own
    /// collections already ran within it) and a full collection is not worth its pause.
    /// </summary>
    public const long WorthBytes = 32L * 1024 * 1024;

    private long atLastLook = allocatedAtStart;
    private long atLastCollection;

    /// <summary>What was allocated from the collection before to the one just decided (for the log line).</summary>
    public long AllocatedBeforeCollection { get; private set; }

    /// <summary>Takes a look at the process's allocation count; true when it should collect now.</summary>
    public bool ShouldCollect(long allocated)
    {
        var sinceLook = allocated - atLastLook;
        atLastLook = allocated;
        if (sinceLook >= QuietBytes || allocated - atLastCollection < WorthBytes)
        {
            return false;
        }

        AllocatedBeforeCollection = allocated - atLastCollection;
        atLastCollection = allocated;
        return true;
    }
}
