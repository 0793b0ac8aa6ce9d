using System.Diagnostics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// When a datagram listener's reader hands what it has read on to the ingest queue. Each hand-off costs the same
/// whatever it carries (the router woken, each consumer woken, their acknowledgements: about eight thread-pool
/// wake-ups), so at moderate rates messages read are held back until the oldest has waited the <c>linger</c> or
/// <see cref="MaxPending"/> have gathered, and the cost per message stays flat from low rates to high. A message that
/// ends a quiet spell (nothing handed on for a linger) goes at once: a lone message is not delayed.
/// Only the hand-off waits, never the reading: while messages are held the reader still reads the socket at least every
/// <see cref="ReadInterval"/>, so the kernel's receive buffer never has to hold more than that much traffic (a reader
/// asleep for the whole linger lost datagrams at high rates when the buffer filled meanwhile).
/// </summary>
internal sealed class DatagramHandOff(TimeSpan linger)
{
    /// <summary>Most messages held back: four full reads, a batch the router and a file sink take in one turn.</summary>
    public const int MaxPending = 4 * MultiDatagramReceiver.MaxSlots;

    /// <summary>Longest the reader naps between reads while it holds messages back.</summary>
    public static readonly TimeSpan ReadInterval = TimeSpan.FromMilliseconds(1);

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

    /// <summary>How long to nap before reading again: a read interval, or less when the oldest message is due sooner.</summary>
    public TimeSpan Nap(long now)
    {
        var dueIn = TimeSpan.FromSeconds((double)(oldest + lingerTicks - now) / Stopwatch.Frequency);
        return dueIn < ReadInterval ? (dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero) : ReadInterval;
    }
}
