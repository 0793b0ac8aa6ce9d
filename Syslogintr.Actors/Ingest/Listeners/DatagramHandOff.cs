using System.Diagnostics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// When a datagram listener's reader hands what it has read on to the ingest queue. Each hand-off costs the same
/// whatever it carries (the router woken, each consumer woken, their acknowledgements: about eight thread-pool
/// wake-ups), so at moderate rates messages read are held back until the oldest has waited the <c>linger</c> or
/// <see cref="MaxPending"/> have gathered, and the cost per message stays flat from low rates to high. A message that
/// ends a quiet spell (nothing handed on for a linger) goes at once: a lone message is not delayed.
/// Only the hand-off waits, not the reading: while messages are held the reader naps between reads only as long as one
/// read's worth (<see cref="MultiDatagramReceiver.MaxSlots"/> datagrams) takes to arrive at the rate seen since the
/// oldest was read, and never more than 5 ms, so the kernel's receive buffer holds about one read's worth (about 80 KiB of 256-byte datagrams, within
/// even the kernel's default buffer) whatever the rate and the linger. A reader asleep for the whole linger would let
/// a linger's traffic pile up in the buffer and lose what does not fit.
/// </summary>
internal sealed class DatagramHandOff(TimeSpan linger)
{
    /// <summary>Most messages held back: four full reads, a batch the router and a file sink take in one turn.</summary>
    public const int MaxPending = 4 * MultiDatagramReceiver.MaxSlots;

    // Shortest nap: at rates where one read's worth arrives sooner, reads come back full and the reader does not nap.
    private static readonly long MinNapTicks = Stopwatch.Frequency / 10_000;

    // Before the rate is known (one message held), and at most whatever it seems to be: a sudden burst after a
    // trickle finds no more than this much of it in the buffer.
    private static readonly long FirstNapTicks = Stopwatch.Frequency / 1_000;
    private static readonly long MaxNapTicks = Stopwatch.Frequency / 200;

    private readonly long lingerTicks = (long)(linger.TotalSeconds * Stopwatch.Frequency);
    private long oldest;
    private long lastHandOff = long.MinValue / 2;
    private bool afterQuiet;

    /// <summary>Records a read that took the messages held from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public void Read(int before, int after, long now)
    {
        if (before == 0 && after > 0)
        {
            oldest = now;
            afterQuiet = now - lastHandOff >= lingerTicks;
        }
    }

    /// <summary>Whether the <paramref name="held"/> messages go on now.</summary>
    public bool Due(int held, long now) =>
        held > 0 && (afterQuiet || held >= MaxPending || now - oldest >= lingerTicks);

    public void HandedOff(long now)
    {
        lastHandOff = now;
        afterQuiet = false;
    }

    /// <summary>
    /// How long to nap before reading again, holding <paramref name="held"/> messages (all read since the oldest):
    /// the time one read's worth takes to arrive at that rate (5 ms at most), no longer than until the oldest is due.
    /// </summary>
    public TimeSpan Nap(int held, long now)
    {
        var elapsed = now - oldest;
        var oneRead = held > 1 && elapsed > 0 ? elapsed * MultiDatagramReceiver.MaxSlots / held : FirstNapTicks;
        var nap = Math.Min(Math.Clamp(oneRead, MinNapTicks, MaxNapTicks), oldest + lingerTicks - now);
        return nap > 0 ? TimeSpan.FromSeconds((double)nap / Stopwatch.Frequency) : TimeSpan.Zero;
    }
}
