namespace Syslogintr.Hosting;

/// <summary>SIGHUP reached the node: sinks reopen their files (logrotate), rules call <c>reload_signal()</c>. Published on the EventStream.</summary>
public sealed record HangupReceived
{
    public static readonly HangupReceived Instance = new();
}

/// <summary><c>syslogintr reload</c> or SIGUSR1: rules re-read changed scripts. Published on the EventStream.</summary>
public sealed record ReloadRequested
{
    public static readonly ReloadRequested Instance = new();
}
