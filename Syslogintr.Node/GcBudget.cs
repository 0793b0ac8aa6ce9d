using System.Runtime;
using Akka.Actor;
using Akka.Event;

namespace Syslogintr.Node;

/// <summary>
/// The garbage collector's settings that size most of the node's memory, as the runtime applied them (not as a file
/// says): the youngest generation's budget is what lies between an idle node's RSS and a busy one's.
/// </summary>
public static class GcBudget
{
    /// <summary>The largest gen0 budget in force (System.GC.Gen0MaxBudget, or the GC's own from the CPU cache).</summary>
    public static long Gen0MaxBytes =>
        GC.GetConfigurationVariables().TryGetValue("GCGen0MaxBudget", out var value) ? Convert.ToInt64(value) : 0;

    /// <summary>Logs it once at start: which budget is in force (the runtimeconfig's, or a DOTNET_ variable's) explains the node's RSS.</summary>
    public static void Log(ActorSystem system) => system.Log.Info(Describe());

    private static string Describe() =>
        $"memory: {(GCSettings.IsServerGC ? "server" : "workstation")} GC, gen0 budget at most {Gen0MaxBytes / (1024.0 * 1024):0.#} MiB";
}
