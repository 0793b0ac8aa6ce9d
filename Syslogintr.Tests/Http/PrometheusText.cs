using System.Diagnostics;
using System.Text.Json;

namespace Syslogintr.Tests.Http;

/// <summary>One sample of a scrape as the Prometheus client library's parser read it.</summary>
public sealed record PrometheusSample(string Family, string Type, string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Parses Prometheus text exposition with a real parser, not ours: the Python client library's
/// (<c>prometheus_client.parser</c>, Debian's python3-prometheus-client). Text it rejects fails the test.
/// </summary>
public static class PrometheusText
{
    private const string Parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                out.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
        json.dump(out, sys.stdout)
        """;

    public static async Task<IReadOnlyList<PrometheusSample>> ParseAsync(string text)
    {
        // Debian's interpreter, the one its package installs the library for (a python3 earlier on PATH may lack it).
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Parser);
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.StandardInput.WriteAsync(text);
        python.StandardInput.Close();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(python.ExitCode == 0, $"prometheus_client could not parse the scrape: {await error}");
        return JsonSerializer.Deserialize<List<PrometheusSample>>(await output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }
}
