using Akka.Actor;
using Akka.Event;
using Syslogintr.Metrics;

namespace Syslogintr.Actions;

/// <summary>
/// Runs programs for rules (<see cref="ExecRequested"/>) and for other actors (<see cref="ProcessRunRequested"/>):
/// argv only, never a shell; each with a timeout after which its process tree is killed; at most
/// <see cref="ExecSettings.MaxConcurrent"/> at once, the rest queued up to <see cref="ExecSettings.MaxQueued"/>,
/// beyond which requests are dropped and counted. How each ended goes to the node's log.
/// </summary>
public sealed class ExecActor : ReceiveActor
{
    private readonly ExecSettings settings;
    private readonly ActionCounters counters;
    private readonly string counterPrefix;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Queue<Pending> waiting = new();
    private int running;

    public ExecActor(ExecSettings settings, ActionCounters counters, string counterPrefix)
    {
        this.settings = settings;
        this.counters = counters;
        this.counterPrefix = counterPrefix;
        Receive<ExecRequested>(r => Admit(new Pending(r.Argv, r.Timeout, $"rule {r.Rule}", null, ActorRefs.Nobody)));
        Receive<ProcessRunRequested>(r => Admit(new Pending(r.Argv, r.Timeout, r.Requester, r.Correlation, Sender)));
        Receive<Finished>(OnFinished);
    }

    /// <param name="counterPrefix">Names this instance's counters (<c>exec</c> for the rules' actor, <c>ban.exec</c> for the ban actor's own).</param>
    public static Props Props(ExecSettings settings, ActionCounters counters, string counterPrefix = "exec") =>
        Akka.Actor.Props.Create(() => new ExecActor(settings, counters, counterPrefix)).WithDispatcher(ActionsHosting.DispatcherId);

    private void Admit(Pending request)
    {
        if (request.Argv.Count == 0 || string.IsNullOrEmpty(request.Argv[0]))
        {
            Count("refused");
            log.Warning("exec for {0} refused: empty argv", request.Requester);
            return;
        }

        if (running < settings.MaxConcurrent)
        {
            Start(request);
        }
        else if (waiting.Count < settings.MaxQueued)
        {
            waiting.Enqueue(request);
        }
        else
        {
            Count("dropped");
            log.Warning("exec for {0} dropped: {1} running and {2} waiting ({3})", request.Requester, running, waiting.Count, request.Argv[0]);
        }
    }

    private void Start(Pending request)
    {
        running++;
        Count("started");
        var timeout = request.Timeout <= TimeSpan.Zero || request.Timeout > settings.MaxTimeout ? settings.MaxTimeout : request.Timeout;
        ProcessRunner.RunAsync(request.Argv, timeout, settings.OutputLimit, request.Correlation)
            .PipeTo(
                Self,
                success: exited => new Finished(request, exited),
                failure: e => new Finished(request, new ProcessExited(request.Argv, -1, false, e.Message, "", TimeSpan.Zero, request.Correlation)));
    }

    private void OnFinished(Finished finished)
    {
        running--;
        var (request, exited) = (finished.Request, finished.Exited);
        var command = string.Join(' ', exited.Argv);
        if (exited.Succeeded)
        {
            log.Info("exec for {0}: {1}: {2}{3}", request.Requester, command, exited.Describe(), OutputSuffix(exited));
        }
        else
        {
            Count(exited.TimedOut ? "timed_out" : "failed");
            log.Warning("exec for {0}: {1}: {2}{3}", request.Requester, command, exited.Describe(), OutputSuffix(exited));
        }

        if (!request.ReplyTo.IsNobody())
        {
            request.ReplyTo.Tell(exited);
        }

        if (waiting.Count > 0)
        {
            Start(waiting.Dequeue());
        }
    }

    private static string OutputSuffix(ProcessExited exited) =>
        exited.Output.Length == 0 ? "" : " | " + exited.Output.Trim().ReplaceLineEndings(" / ");

    private void Count(string what) => counters.Increment($"{counterPrefix}.{what}");

    private sealed record Pending(IReadOnlyList<string> Argv, TimeSpan Timeout, string Requester, object? Correlation, IActorRef ReplyTo);

    private sealed record Finished(Pending Request, ProcessExited Exited);
}
