using System.Diagnostics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// When a datagram listener's reader hands what it has read on to the ingest queue, and how long it naps between
/// reads. Each hand-off costs the same whatever it carries (the router woken, each consumer woken, their
/// acknowledgements: several thread-pool wake-ups), so messages read are held back until the oldest may have waited
/// the <c>linger</c> or <see cref="MaxPending"/> have gathered: at moderate rates a few hand-offs a linger instead of
/// one per read. The oldest is dated from the last time the socket was seen empty (it cannot have arrived earlier), so
/// no message waits more than the linger in the socket and here together, and a message after a quiet spell goes at once.
/// Only the hand-off waits, not the reading: the reader naps between reads only as long as one read's worth
/// (<see cref="MultiDatagramReceiver.MaxSlots"/> datagrams) takes to arrive at the rate last seen, 5 ms at most, so the
/// kernel's receive buffer holds about one read's worth (about 80 KiB of 256-byte datagrams, within even the kernel's
/// default buffer) whatever the linger. A reader asleep for the whole linger would let a linger's traffic pile up in
/// the buffer and lose what does not fit.
/// </summary>
internal sealed class DatagramHandOff(TimeSpan linger)
{
    /// <summary>Most messages held back: four full reads, a batch the router and a file sink take in one turn.</summary>
    public const int MaxPending = 4 * MultiDatagramReceiver.MaxSlots;

    // Naps between these bounds: at rates where one read's worth arrives sooner than the shortest, reads come back
    // full and the reader does not nap; the longest bounds what a sudden burst after a trickle leaves in the buffer.
    private static readonly long MinNapTicks = Stopwatch.Frequency / 10_000;
    private static readonly long MaxNapTicks = Stopwatch.Frequency / 200;

    private readonly long lingerTicks = (long)(linger.TotalSeconds * Stopwatch.Frequency);

    // When a read last left the socket empty: whatever is read later arrived after it.
    private long emptySince = long.MinValue / 2;

    // The earliest the oldest message held can have arrived.
    private long oldest;

    // How long one read's worth took to arrive at the rate of the last hand-off.
    private long lastOneRead = MaxNapTicks;

    /// <summary>Records a read that took the messages held from <paramref name="before"/> to <paramref name="after"/>.</summary>
    /// <param name="drained">The read left the socket empty (it returned less than a full read).</param>
    public void Read(int before, int after, bool drained, long now)
    {
        if (before == 0 && after > 0)
        {
            oldest = emptySince;
        }

        if (drained)
        {
            emptySince = now;
        }
    }

    /// <summary>Whether the <paramref name="held"/> messages go on now.</summary>
    public bool Due(int held, long now) => held > 0 && (held >= MaxPending || now - oldest >= lingerTicks);

    public void HandedOff(int held, long now) => lastOneRead = OneRead(held, now);

    /// <summary>
    /// How long to nap before reading again, holding <paramref name="held"/> messages: the time one read's worth takes
    /// to arrive (at the rate of those held, or of the last hand-off), no longer than until the oldest held, or
    /// anything arriving now, is due.
    /// </summary>
    public TimeSpan Nap(int held, long now)
    {
        var oneRead = held > 0 ? OneRead(held, now) : lastOneRead;
        var dueIn = (held > 0 ? oldest : emptySince) + lingerTicks - now;
        var nap = Math.Min(Math.Clamp(oneRead, MinNapTicks, MaxNapTicks), dueIn);
        return nap > 0 ? TimeSpan.FromSeconds((double)nap / Stopwatch.Frequency) : TimeSpan.Zero;
    }

    private long OneRead(int held, long now) =>
        Math.Min(now - oldest, MaxNapTicks * MultiDatagramReceiver.MaxSlots) * MultiDatagramReceiver.MaxSlots / Math.Max(held, 1);
}
