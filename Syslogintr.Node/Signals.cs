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

    /// <summary>
    /// Takes SIGHUP and SIGUSR1 from the start: their default action ends the process, and a logrotate or a
    /// <c>syslogintr reload</c> may come while the node is still starting. What arrives before
    /// <see cref="Handlers.Attach"/> is published then (once each: files and scripts were just opened and loaded anyway).
    /// </summary>
    public static Handlers Install() => new();

    public sealed class Handlers : IDisposable
    {
        private readonly Lock gate = new();
        private readonly IDisposable hangup;
        private readonly IDisposable reload;
        private ActorSystem? system;
        private bool hangupPending;
        private bool reloadPending;

        internal Handlers()
        {
            hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => Received(context, HangupReceived.Instance, ref hangupPending));
            reload = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context => Received(context, ReloadRequested.Instance, ref reloadPending));
        }

        /// <summary>From now on the signals become records on <paramref name="actors"/>' EventStream; those that came before, too.</summary>
        public void Attach(ActorSystem actors)
        {
            lock (gate)
            {
                system = actors;
                if (hangupPending)
                {
                    actors.EventStream.Publish(HangupReceived.Instance);
                }

                if (reloadPending)
                {
                    actors.EventStream.Publish(ReloadRequested.Instance);
                }
            }
        }

        public void Dispose()
        {
            hangup.Dispose();
            reload.Dispose();
        }

        private void Received(PosixSignalContext context, object record, ref bool pending)
        {
            context.Cancel = true;
            lock (gate)
            {
                if (system is null)
                {
                    pending = true;
                }
                else
                {
                    system.EventStream.Publish(record);
                }
            }
        }
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
}
