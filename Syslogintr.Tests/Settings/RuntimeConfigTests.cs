using System.Text.Json;

namespace Syslogintr.Tests.Settings;

/// <summary>
/// The runtime settings the node's build ships in syslogintr.runtimeconfig.json (read by the .NET host before any of
/// our code runs; the published build and deploy/install.sh carry the same file), each measured in bench/.
/// </summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void The_node_ships_without_the_instrumented_jit_tier_and_with_non_spinning_thread_pool_workers()
    {
        var options = ConfigProperties();

        // TieredPGO off: a fresh or idle node does not spend its CPU recompiling hot methods twice.
        Assert.False(options.GetProperty("System.Runtime.TieredPGO").GetBoolean());
        Assert.Equal(0, options.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    private static JsonElement ConfigProperties()
    {
        // The node project's runtimeconfig is copied beside the tests, which reference it.
        var path = Path.Combine(AppContext.BaseDirectory, "syslogintr.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
