namespace Syslogintr.Hosting;

/// <summary>Published on the ActorSystem's EventStream when the process receives SIGHUP (rules call <c>reload_signal()</c>).</summary>
public sealed record HangupReceived;

/// <summary>Published on the EventStream on SIGUSR1 (<c>syslogintr reload</c>): rules re-read changed scripts.</summary>
public sealed record ReloadRequested;
