namespace Syslogintr.Actions;

/// <summary>Registry key of the ban actor (firewall backend, ban list, unban timers).</summary>
public sealed class BanKey;

/// <summary>Registry key of the exec actor (argv-only child processes with a timeout, off every listener and rule thread).</summary>
public sealed class ExecKey;

/// <summary>A rule asks for <paramref name="Address"/> to be banned for <paramref name="Duration"/>.</summary>
public sealed record BanRequested(string Address, TimeSpan Duration, string Reason, string Rule);

/// <summary>Ask the ban actor for the bans it holds; answered with <see cref="BansHeld"/>.</summary>
public sealed record GetBans
{
    public static readonly GetBans Instance = new();
}

/// <summary>The bans in force on this node, soonest expiry first.</summary>
public sealed record BansHeld(IReadOnlyList<BanRecord> Bans);

/// <summary>A rule asks for a program to be run, never through a shell.</summary>
public sealed record ExecRequested(IReadOnlyList<string> Argv, TimeSpan Timeout, string Rule);
