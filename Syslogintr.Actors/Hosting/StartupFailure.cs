namespace Syslogintr.Hosting;

/// <summary>
/// Why a node that opened its listeners before loading its scripts (script mode) cannot go on. The actor system
/// has started by then, and an exception thrown from its starter would be printed by the hosting libraries as a
/// stack trace; the starter records it here instead, and the command stops the node and prints its one line.
/// </summary>
public sealed class StartupFailure
{
    private StartupException? exception;

    public StartupException? Exception => Volatile.Read(ref exception);

    internal void Report(StartupException e) => Interlocked.CompareExchange(ref exception, e, null);
}
