using System.Security.Cryptography;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Sinks;

namespace Syslogintr.Rules;

/// <summary>
/// One rule instance's script, loaded (compiled, top level run under the budgets, <c>log</c> checked) while the
/// node starts, before the actor system: a script that does not load stops the node with one line, and one that
/// loads is handed to its worker, so its top level runs once. What the top level asks for (<c>alarm()</c>,
/// <c>syslog()</c>, actions) is kept until the worker takes the state, then done through the worker's effects.
/// </summary>
public sealed class LoadedScript : IRuleEffects
{
    private readonly List<Action<IRuleEffects>> early = [];
    private IRuleEffects? worker;
    private (LuaRule State, byte[] Hash)? untaken;

    private LoadedScript(RuleDefinition rule, int index)
    {
        Rule = rule;
        Index = index;
    }

    public RuleDefinition Rule { get; }

    public int Index { get; }

    /// <summary>Loads the script in a fresh state; a <see cref="StartupException"/> naming rule, file and reason when it does not load.</summary>
    /// <param name="stillLoading">
    /// When given, a top level still running after <paramref name="timeout"/> is reported there, every timeout, and
    /// waited for instead of stopping the node: for a node already reading its sockets, whose senders it cannot block.
    /// </param>
    public static LoadedScript Load(RuleDefinition rule, int index, NodeServices node, TimeSpan timeout, Action<RuleDefinition, TimeSpan>? stillLoading = null)
    {
        var script = new LoadedScript(rule, index);
        // On a thread of its own: a trusted script blocked at its top level in a C call (os.execute) is beyond the
        // budget hook's reach, and must not hold the node's start forever.
        var loading = Task.Run(() => (LuaRule.Load(rule, script, node.Clock, node.HostName), SHA256.HashData(File.ReadAllBytes(rule.ScriptPath))));
        try
        {
            var waited = TimeSpan.Zero;
            while (!loading.Wait(timeout))
            {
                waited += timeout;
                if (stillLoading is null)
                {
                    throw new StartupException($"rule '{rule.Name}': {rule.ScriptPath} did not finish loading within startup-timeout ({timeout.TotalSeconds:0.###} s)");
                }

                stillLoading(rule, waited);
            }
        }
        catch (AggregateException e) when (e.InnerException is RuleLoadException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException(e.InnerException is RuleLoadException ? e.InnerException.Message : $"rule '{rule.Name}': {e.InnerException.Message}", e.InnerException);
        }

        script.untaken = loading.Result;
        return script;
    }

    /// <summary>
    /// The state and the hash of the script it runs, to the first caller only (a worker's first start; restarts
    /// load the script anew). What the top level asked for is done now through <paramref name="effects"/>.
    /// </summary>
    public (LuaRule State, byte[] Hash)? Take(IRuleEffects effects)
    {
        if (untaken is not { } taken)
        {
            return null;
        }

        untaken = null;
        worker = effects;
        early.ForEach(action => action(effects));
        early.Clear();
        return taken;
    }

    /// <summary>Closes a state loaded only to check that the script loads; what its top level asked for is not done.</summary>
    public void Discard()
    {
        untaken?.State.Dispose();
        untaken = null;
        early.Clear();
    }

    public void Alert(AlertRaised alert) => Do(e => e.Alert(alert));

    public void Ban(BanRequested ban) => Do(e => e.Ban(ban));

    public void Exec(ExecRequested exec) => Do(e => e.Exec(exec));

    public void Write(FileWriteRequested write) => Do(e => e.Write(write));

    public void Relay(RelayRequested relay) => Do(e => e.Relay(relay));

    public void Inject(SyslogMessage message) => Do(e => e.Inject(message));

    public void InjectionRefused(SyslogMessage message) => Do(e => e.InjectionRefused(message));

    public void SetAlarm(TimeSpan interval) => Do(e => e.SetAlarm(interval));

    private void Do(Action<IRuleEffects> action)
    {
        if (worker is null)
        {
            early.Add(action);
        }
        else
        {
            action(worker);
        }
    }
}
