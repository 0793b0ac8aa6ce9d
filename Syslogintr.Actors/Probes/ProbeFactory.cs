using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;
using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>Builds the check a <see cref="ProbeTarget"/> describes, with what the node gives it; one per scheduler.</summary>
public sealed class ProbeFactory(NodeServices node, ActionTargets actions, ILoggingAdapter log)
{
    public IProbe Create(ProbeTarget target) => target switch
    {
        HttpStatusTarget t => new HttpStatusProbe(t.Url, t.User, t.Password),
        PidFileTarget t => new PidFileProbe(t.Path, t.ProcessName),
        TcpTarget t => new TcpProbe(t.Host, t.Port),
        ExecTarget t => new ExecProbe(t.Argv),
        LuaCheckTarget t => new LuaProbe(t.Rule, t.Function, () => LuaCheckEffects(t.Rule.Name), node.Clock, node.HostName),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "no probe for this target"),
    };

    // What the check logs with syslog() and loses to a full queue is counted under its rule's name.
    private ActorRuleEffects LuaCheckEffects(string rule) =>
        new(actions, new MessageInjector(node.Queue, InjectionCounters.Of(node.Metrics.Rule(rule))), log, _ => { });
}
