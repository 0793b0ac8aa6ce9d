using System.Text.Json;

namespace Syslogintr.Tests.Cluster;

public sealed class AkkaVersionTests
{
    [Fact]
    public void Every_Akka_package_whose_code_this_process_runs_is_on_one_version()
    {
        // What NuGet resolved for the test process (the node's references and the TestKit's), not what was asked for.
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Syslogintr.Tests.deps.json")));
        var libraries = deps.RootElement.GetProperty("targets").EnumerateObject().First().Value.EnumerateObject();

        // Akka.Analyzers is versioned on its own and has no runtime code (a compile-time analyzer): it has no "runtime".
        var akka = libraries
            .Where(l => l.Name.StartsWith("Akka", StringComparison.Ordinal) && l.Value.TryGetProperty("runtime", out _))
            .Select(l => l.Name.Split('/'))
            .ToList();

        Assert.Contains(akka, p => p[0] == "Akka.Cluster.Sharding");
        Assert.True(akka.Count >= 10, $"only {akka.Count} Akka packages found: {string.Join(", ", akka.Select(p => p[0]))}");
        var versions = akka.GroupBy(p => p[1]).ToList();
        Assert.True(versions.Count == 1, "Akka packages on several versions: " + string.Join("; ", versions.Select(v => $"{v.Key}: {string.Join(", ", v.Select(p => p[0]))}")));
    }
}
