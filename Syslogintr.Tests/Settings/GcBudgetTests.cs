using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Settings;

/// <summary>
/// The runtime honours the gen0 cap the node's runtimeconfig ships (a GC setting without a runtimeconfig name would be
/// ignored there, silently): the real node, started as a user starts it, logs the budget the GC has in force.
/// </summary>
public sealed class GcBudgetTests
{
    /// <summary>32 MiB: the value in Syslogintr.Node.csproj.</summary>
    public const long ShippedGen0MaxBudget = 32 * 1024 * 1024;

    [Fact]
    public async Task The_node_runs_with_the_shipped_gen0_budget()
    {
        var folder = TempFolder.Create();
        try
        {
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners { udp.enabled = false, tcp.enabled = false, local.path = "{{folder}}/log" }
                  http.enabled = false
                }
                """);

            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            try
            {
                // Generous: a loaded 2-core machine starts a node in many times its usual second.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (!output.All.Contains("gen0 budget at most", StringComparison.Ordinal) && !node.HasExited && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                Assert.Contains("memory: workstation GC, gen0 budget at most 32 MiB", output.All);
            }
            finally
            {
                node.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
