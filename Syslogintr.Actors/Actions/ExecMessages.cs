namespace Syslogintr.Actions;

/// <summary>
/// An actor (the ban actor) asks for a program to be run and wants to hear how it ended: the exec actor replies
/// <see cref="ProcessExited"/> to the sender. Rules send <see cref="ExecRequested"/> instead and get no reply.
/// </summary>
/// <param name="Correlation">Handed back unchanged in the reply, so the requester knows which command ended.</param>
public sealed record ProcessRunRequested(IReadOnlyList<string> Argv, TimeSpan Timeout, string Requester, object? Correlation);

/// <summary>How a child process ended.</summary>
/// <param name="ExitCode">The exit status; -1 when the program could not be started or was killed.</param>
/// <param name="TimedOut">True when it was still running at its deadline and its process tree was killed.</param>
/// <param name="StartError">Why the program could not be started (not found, not executable); null when it ran.</param>
/// <param name="Output">The first bytes of its standard output and error, merged, for the log.</param>
public sealed record ProcessExited(
    IReadOnlyList<string> Argv,
    int ExitCode,
    bool TimedOut,
    string? StartError,
    string Output,
    TimeSpan Elapsed,
    object? Correlation)
{
    public bool Succeeded => StartError is null && !TimedOut && ExitCode == 0;

    /// <summary>One line for the node's log.</summary>
    public string Describe() =>
        StartError is not null ? $"could not start: {StartError}"
        : TimedOut ? $"killed after {Elapsed.TotalSeconds:0.###} s (timeout)"
        : $"exit {ExitCode} after {Elapsed.TotalSeconds:0.###} s";
}
