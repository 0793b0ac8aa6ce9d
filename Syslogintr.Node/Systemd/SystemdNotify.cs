using System.Globalization;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Syslogintr.Hosting;

namespace Syslogintr.Node.Systemd;

/// <summary>
/// <c>Type=notify</c> (sd_notify(3), through Microsoft.Extensions.Hosting.Systemd's notifier): READY=1 once the node
/// has started — every listener bound, every rule loaded, its signal handlers installed and its pid file written, the
/// moment a daemon's parent is told — STOPPING=1 when the host begins to stop, and, when the unit sets
/// <c>WatchdogSec=</c>, WATCHDOG=1 every half period while the router answers. Not the package's SystemdLifetime:
/// that sends READY from ApplicationStarted, inside <c>host.StartAsync</c>, before the node's SIGHUP handler exists,
/// and SIGHUP's default action ends a process: a <c>systemctl reload</c> right after READY would stop the node.
/// </summary>
public sealed class SystemdNotify : IDisposable
{
    private static readonly ServiceState Watchdog = new("WATCHDOG=1");

    private readonly ISystemdNotifier notifier;
    private readonly TimeSpan? watchdogPeriod;
    private readonly CancellationTokenSource stop = new();
    private CancellationTokenRegistration stopping;
    private ILogger? log;

    private SystemdNotify(ISystemdNotifier notifier, TimeSpan? watchdogPeriod)
    {
        this.notifier = notifier;
        this.watchdogPeriod = watchdogPeriod;
    }

    /// <summary>The notifier when systemd gave us <c>NOTIFY_SOCKET</c>; null otherwise (nothing to tell).</summary>
    public static SystemdNotify? FromEnvironment()
    {
        var notifier = new SystemdNotifier();
        return notifier.IsEnabled ? new SystemdNotify(notifier, WatchdogPeriod()) : null;
    }

    /// <summary>Tells systemd the node is ready, and from now on that it stops when the host stops.</summary>
    public void Ready(IHost host)
    {
        log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Syslogintr.Systemd");
        Tell(ServiceState.Ready);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        stopping = lifetime.ApplicationStopping.Register(() =>
        {
            stop.Cancel();
            Tell(ServiceState.Stopping);
        });
        if (watchdogPeriod is { } period)
        {
            _ = PingAsync(host.Services.GetRequiredService<ActorRegistry>().Get<RouterKey>(), period / 2);
        }
    }

    /// <summary>Stops the watchdog's pings; the CancellationTokenSource is left to the GC, as a ping may still be reading its token.</summary>
    public void Dispose()
    {
        stopping.Dispose();
        stop.Cancel();
    }

    /// <summary>A notification systemd cannot take (its socket gone) is logged: it never stops the node.</summary>
    private void Tell(ServiceState state)
    {
        try
        {
            notifier.Notify(state);
        }
        catch (SocketException e)
        {
            log?.LogWarning("systemd: could not send {State} to NOTIFY_SOCKET: {Reason}", state, e.Message);
        }
    }

    /// <summary>WATCHDOG_USEC, when set for us (WATCHDOG_PID, if given, is our pid).</summary>
    private static TimeSpan? WatchdogPeriod()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid is not null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    /// <summary>
    /// Pings only while the router handles its mailbox (Identify goes through it like any message): a node whose
    /// pipeline is wedged stops pinging and systemd restarts it, not just a node whose process is gone.
    /// </summary>
    private async Task PingAsync(IActorRef router, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                try
                {
                    await router.Ask<ActorIdentity>(new Identify(null), interval, stop.Token);
                    Tell(Watchdog);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !stop.IsCancellationRequested)
                {
                    log?.LogWarning("watchdog: the router did not answer within {Interval}; not telling systemd the node is alive", interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
