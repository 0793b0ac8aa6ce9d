using System.Runtime.InteropServices;
using Akka.Actor;
using Syslogintr.Hosting;

namespace Syslogintr.Node;

/// <summary>
/// SIGHUP (rules' <c>reload_signal()</c>) and SIGUSR1 (<c>syslogintr reload</c>: changed scripts are re-read)
/// become records on the ActorSystem's EventStream; the handlers only publish, so no work runs on the signal thread.
/// </summary>
public static partial class Signals
{
    /// <summary>SIGUSR1 on Linux; .NET's <see cref="PosixSignal"/> has no name for it, but accepts the raw number.</summary>
    public const int SigUsr1 = 10;

    public static IDisposable Publish(ActorSystem system)
    {
        var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            system.EventStream.Publish(HangupReceived.Instance);
        });
        var reload = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
        {
            context.Cancel = true;
            system.EventStream.Publish(ReloadRequested.Instance);
        });
        return new Registrations(hangup, reload);
    }

    /// <summary>Sends SIGUSR1 to <paramref name="pid"/>; false (with errno in <paramref name="error"/>) when it cannot.</summary>
    public static bool SendReload(int pid, out int error)
    {
        var ok = Kill(pid, SigUsr1) == 0;
        error = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private sealed class Registrations(params IDisposable[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in registrations)
            {
                r.Dispose();
            }
        }
    }
}
