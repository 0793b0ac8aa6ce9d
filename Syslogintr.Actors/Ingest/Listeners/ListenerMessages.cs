namespace Syslogintr.Ingest.Listeners;

/// <summary>A listener opened its socket (sent to its supervisor).</summary>
public sealed record ListenerBound(string Name, string Description);

/// <summary>A listener could not open its socket (sent to its supervisor); the listener stops.</summary>
public sealed record ListenerBindFailed(string Name, string Reason);

/// <summary>Ask the listener supervisor whether every listener is bound; answered with <see cref="ListenersReady"/> once all have reported.</summary>
public sealed record AwaitListenersReady
{
    public static readonly AwaitListenersReady Instance = new();
}

/// <summary>Every listener has reported; <paramref name="Failures"/> lists those that could not bind.</summary>
public sealed record ListenersReady(IReadOnlyList<string> Failures);

/// <summary>Ask the listener supervisor which listeners have their socket open now; answered with <see cref="ListenerStates"/>.</summary>
public sealed record GetListenerStates
{
    public static readonly GetListenerStates Instance = new();
}

/// <summary>Listeners whose socket is open (<paramref name="Bound"/>) and those waiting to bind again or never bound (<paramref name="Down"/>).</summary>
public sealed record ListenerStates(IReadOnlyList<string> Bound, IReadOnlyList<string> Down);

/// <summary>Stop every listener (shutdown, phase service-unbind); answered with <see cref="ListenersStopped"/>.</summary>
public sealed record StopListening
{
    public static readonly StopListening Instance = new();
}

public sealed record ListenersStopped
{
    public static readonly ListenersStopped Instance = new();
}
