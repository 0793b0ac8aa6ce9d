using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>
/// The real executable: <c>syslogintr check-config</c> prints every problem as <c>FILE:LINE: key: sentence</c> and
/// exits 1, and <c>syslogintr run</c> on the same file prints the same lines on stderr and exits 2 (before, a 7-11
/// line .NET stack trace, or a node that ran on the part of the file before an unclosed '{').
/// </summary>
public sealed class CheckConfigExecutableTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_good_configuration_passes_the_check()
    {
        var config = Write("syslogintr.pipeline.queue-size = 1000");

        var (exitCode, output, error) = await NodeExecutable.RunAsync(folder.Path, "check-config", "--config", config);

        Assert.True(exitCode == 0, output + error);
        Assert.Equal($"syslogintr: {config}: no problems found", output.Trim());
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("syslogintr {\n  mail { smtp { host = \"x\" }, from = \"y\" }\n  pipeline.queue-size = = 5\n  pipeline.drain-timeout = 5 parsecs\n  listners.x.kind = udp\n}", new[] { 2, 3, 4, 5 })]
    [InlineData("syslogintr {\n  pipeline {\n    queue-size = -5\n    drain-timeout = 5 parsecs\n    queue-sise = 1\n  }\n  files.messages.formatt = rfc5424\n}", new[] { 3, 4, 5, 7 })]
    [InlineData("syslogintr {\n  pipeline {\n    queue-size = 5\n\n  files.messages.path = x\n}", new[] { 2, 5, 7 })]
    [InlineData("syslogintr.pipeline.queue-size = 5\n}}}", new[] { 2 })]
    public async Task The_node_refuses_a_broken_file_with_the_lines_check_config_prints_and_exit_2_never_a_stack_trace(string hocon, int[] lines)
    {
        var config = Write(hocon);

        var check = await NodeExecutable.RunAsync(folder.Path, "check-config", "--config", config);
        var run = await NodeExecutable.RunAsync(folder.Path, "run", "--config", config);

        Assert.True(check.ExitCode == 1, check.Output + check.Error);
        var problems = check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Select(l => $"{config}:{l}: "), problems.Select(p => p[..(p.IndexOf(": ", StringComparison.Ordinal) + 2)]));
        Assert.True(run.ExitCode == 2, run.Output + run.Error);
        Assert.Equal(problems, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (var text in new[] { check.Output, check.Error, run.Output, run.Error })
        {
            Assert.DoesNotContain("   at ", text);
            Assert.DoesNotContain("Unhandled exception", text);
        }
    }

    private string Write(string hocon)
    {
        var port = TestNode.FreePort();
        var path = folder.File("node.conf");
        File.WriteAllText(path, hocon + $$"""

            syslogintr.listeners.udp.bind = "127.0.0.1:{{port}}"
            syslogintr.listeners.tcp.bind = "127.0.0.1:{{port}}"
            syslogintr.listeners.local.path = "{{folder.File("log")}}"
            """);
        return path;
    }
}
