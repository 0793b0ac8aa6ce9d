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

    [Fact]
    public async Task A_script_mode_scripts_syntax_error_is_its_file_and_line_given_positionally_or_with_script()
    {
        var script = Path.Combine(folder.Path, "broken.lua");
        await File.WriteAllTextAsync(script, "function log(msg)\n  x = = 1\nend\n");
        var config = Write("");

        var positional = await NodeExecutable.RunAsync(folder.Path, "check-config", script, "--config", config);
        var named = await NodeExecutable.RunAsync(folder.Path, "check-config", "--script", script, "--config", config);

        foreach (var (exitCode, output, error) in new[] { positional, named })
        {
            Assert.True(exitCode == 1, output + error);
            Assert.Equal($"{script}:2: script: unexpected symbol near '='", output.Trim());
            Assert.Empty(error);
        }
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

    [Fact]
    public async Task Reload_on_a_file_akka_cannot_parse_prints_the_line_not_a_stack_trace()
    {
        var config = Write("syslogintr {\n  mail { smtp { host = \"x\" }, from = \"y\" }\n}");

        var (exitCode, output, error) = await NodeExecutable.RunAsync(folder.Path, "reload", "--config", config);

        Assert.Equal(2, exitCode);
        Assert.Equal($"syslogintr: {config}:2: syslogintr.mail.smtp: a ',' after a section's closing '}}' is not accepted (Akka's HOCON parser refuses it): start the next key on a new line", error.Trim());
        Assert.DoesNotContain("   at ", output + error);
    }

    [Fact]
    public async Task A_problem_with_a_key_only_the_defaults_hold_names_the_built_in_file_and_its_line()
    {
        // The default unix listener's ./run/log, relative to the working directory, is held by someone else.
        Directory.CreateDirectory(folder.File("run"));
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(folder.File("run/log")));
        var port = TestNode.FreePort();
        var config = folder.File("node.conf");
        File.WriteAllText(config, $"syslogintr.listeners.udp.bind = \"127.0.0.1:{port}\"\nsyslogintr.listeners.tcp.bind = \"127.0.0.1:{port}\"\n");
        var line = File.ReadAllLines(Path.Combine(Repository.Root, "hocon", "syslogintr.conf")).ToList().FindIndex(l => l.Contains("path = \"./run/log\"", StringComparison.Ordinal)) + 1;

        var (exitCode, output, _) = await NodeExecutable.RunAsync(folder.Path, "check-config", "--config", config);

        Assert.Equal(1, exitCode);
        Assert.Equal($"<built-in syslogintr.conf>:{line}: syslogintr.listeners.local.path: a running process is bound to the socket {folder.File("run/log")}", output.Trim());
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
