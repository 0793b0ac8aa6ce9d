using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Settings;

/// <summary>
/// The node logs the gen0 budget the GC has in force, as the runtime applied it: the GC's own when nothing is set
/// (the node ships no cap, see its csproj), and an operator's <c>DOTNET_GCGen0MaxBudget</c> (the units' commented
/// line) when set. The real node, started as a user starts it.
/// </summary>
public sealed class GcBudgetTests
{
    [Fact]
    public async Task The_node_logs_the_gen0_budget_an_operator_sets()
    {
        var output = await StartedNodeOutputAsync(new Dictionary<string, string> { ["DOTNET_GCGen0MaxBudget"] = "0x1000000" });

        Assert.Contains("memory: workstation GC, gen0 budget at most 16 MiB", output);
    }

    [Fact]
    public async Task Without_a_setting_the_node_logs_the_gcs_own_budget()
    {
        var output = await StartedNodeOutputAsync(new Dictionary<string, string>());

        // Sized from the CPU cache: whatever it is here, it is the GC's, not a shipped cap (no 32 MiB, no 16 MiB).
        var line = output.Split('\n').Single(l => l.Contains("gen0 budget at most", StringComparison.Ordinal));
        Assert.DoesNotContain(" 0 MiB", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" 32 MiB", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" 16 MiB", line, StringComparison.Ordinal);
    }

    private static async Task<string> StartedNodeOutputAsync(IReadOnlyDictionary<string, string> environment)
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
            using var node = NodeExecutable.Start(folder, output, environment, [], "run", "--config", config);
            try
            {
                // Generous: a loaded 2-core machine starts a node in many times its usual second.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (!output.All.Contains("gen0 budget at most", StringComparison.Ordinal) && !node.HasExited && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                return output.All;
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
