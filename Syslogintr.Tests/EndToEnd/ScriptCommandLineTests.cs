using System.Diagnostics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>The real executable run the original's way: <c>syslogintr -f -i ADDR -s PATH script.lua</c>.</summary>
[Collection(SerialCollection.Name)]
public sealed class ScriptCommandLineTests : IDisposable
{
    private readonly string folder = TempFolder.Create();

    public void Dispose() => TempFolder.Delete(folder);

    [Fact]
    public async Task The_script_owns_stdout_and_the_nodes_diagnostics_go_to_stderr()
    {
        var port = TestNode.FreePort();
        var socket = Path.Combine(folder, "log");
        await File.WriteAllTextAsync(Path.Combine(folder, "screen.lua"), """
            print("loaded")
            io.stdout:flush()
            function log(msg)
              if msg.msg == "boom" then error("the script failed on purpose") end
              print("got " .. msg.msg)
              io.stdout:flush()
            end
            """);

        var output = new OutputLines();
        using var node = NodeExecutable.Start(folder, output, "-f", "--port", port.ToString(), "-i", "127.0.0.1", "-s", socket, "screen.lua");
        try
        {
            await WaitForAsync(() => File.Exists(socket), node, output);
            await Logger.RunAsync("-u", socket, "over-unix");
            await Logger.RunAsync("-d", "-n", "127.0.0.1", "-P", port.ToString(), "over-udp");
            await Logger.RunAsync("-u", socket, "boom");
            await WaitForAsync(() => output.Stdout.Count(l => l.StartsWith("got ")) == 2 && output.Stderr.Any(l => l.Contains("failed on purpose")), node, output);
        }
        finally
        {
            await StopAsync(node);
        }

        Assert.Equal(0, node.ExitCode);
        Assert.Equal(["got over-udp", "got over-unix", "loaded"], output.Stdout.Order(StringComparer.Ordinal));
        // The node's diagnostics (warnings and errors only in script mode, as the original is silent) are on stderr.
        Assert.Contains(output.Stderr, l => l.Contains("the script failed on purpose"));
        Assert.DoesNotContain(output.Stderr, l => l.Contains("info:"));
        // No default file sink in script mode: the original writes nothing the script does not.
        Assert.False(Directory.Exists(Path.Combine(folder, "var", "log")), "script mode wrote ./var/log");
    }

    [Theory]
    [InlineData(null, "missing.lua", "does not exist")]
    [InlineData("function log(m)\n  if m then\nend\n", "syntax.lua:4:", "'end' expected")]
    [InlineData("error('no config here')\nfunction log(m) end\n", "toplevel.lua:1:", "no config here")]
    [InlineData("function handle(m) end\n", "nolog.lua", "does not define a function log(msg)")]
    public async Task A_script_that_does_not_load_is_one_line_on_stderr_and_exit_1_at_once(string? script, string where, string why)
    {
        var name = where.Split(':')[0];
        if (script is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, name), script);
        }

        // Other tests' nodes may hold the status endpoint's default port, and its bind error would be a second line.
        var config = Path.Combine(folder, "no-http.conf");
        await File.WriteAllTextAsync(config, "syslogintr.http.enabled = false\n");

        var clock = Stopwatch.StartNew();
        var (exitCode, stdout, stderr) = await NodeExecutable.RunAsync(folder, "-f", "--config", config, "-s", Path.Combine(folder, "log"), name);

        Assert.Equal(1, exitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"exiting took {clock.Elapsed}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Path.Combine(folder, where), line);
        Assert.Contains(why, line);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Without_f_the_command_returns_once_its_detached_daemon_is_up_and_the_daemon_writes_the_pid_file()
    {
        var socket = Path.Combine(folder, "log");
        var pidFile = Path.Combine(folder, "node.pid");
        var seen = Path.Combine(folder, "seen.txt");
        var config = Path.Combine(folder, "node.conf");
        await File.WriteAllTextAsync(config, $"syslogintr.pid-file = \"{pidFile}\"");
        await File.WriteAllTextAsync(Path.Combine(folder, "daemon.lua"), $$"""
            print("to nobody")
            function log(msg)
              local f = io.open("{{seen}}", "a")
              f:write(msg.msg, "\n")
              f:close()
            end
            """);

        var (exitCode, _, stderr) = await NodeExecutable.RunAsync(folder, "--config", config, "-s", socket, "daemon.lua");
        Assert.True(exitCode == 0, stderr);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        try
        {
            Assert.Contains("syslogintr.dll", File.ReadAllText($"/proc/{pid}/cmdline"));
            // setsid(2): its own session (field 6 of /proc/PID/stat is the session id), detached from the terminal.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            Assert.Equal(pid.ToString(), stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3]);
            Assert.Equal("/", new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget);
            Assert.All(["0", "1", "2"], fd => Assert.Equal("/dev/null", new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget));

            await Logger.RunAsync("-u", socket, "to the daemon");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!(File.Exists(seen) && File.ReadAllText(seen).Contains("to the daemon")))
            {
                Assert.True(DateTime.UtcNow < deadline, "the daemon's script never saw the message");
                await Task.Delay(50);
            }
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", pid.ToString()]))
            {
                await kill!.WaitForExitAsync();
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        Assert.False(Directory.Exists($"/proc/{pid}"), "the daemon did not stop on SIGTERM");
        Assert.False(File.Exists(pidFile), "the daemon left its pid file");
    }

    [Fact]
    public async Task A_daemon_that_cannot_start_makes_the_command_fail_with_its_one_line()
    {
        await File.WriteAllTextAsync(Path.Combine(folder, "broken.lua"), "function log(m)\n");
        var config = Path.Combine(folder, "node.conf");
        await File.WriteAllTextAsync(config, $"syslogintr.pid-file = \"{Path.Combine(folder, "node.pid")}\"");

        var (exitCode, stdout, stderr) = await NodeExecutable.RunAsync(folder, "--config", config, "-s", Path.Combine(folder, "log"), "broken.lua");

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Path.Combine(folder, "broken.lua"), line);
    }

    [Fact]
    public async Task User_nobody_owns_the_socket_and_runs_the_script_from_its_top_level_and_the_node_still_receives()
    {
        var socket = Path.Combine(folder, "log");
        await File.WriteAllTextAsync(Path.Combine(folder, "uid.lua"), """
            for line in io.lines("/proc/self/status") do
              if line:match("^[UG]id:") then print("top " .. line) end
            end
            io.stdout:flush()
            -- Still loading while the test sends its first message: the bound socket must keep it for the script.
            os.execute("sleep 2")
            print("slept")
            io.stdout:flush()
            function log(msg)
              print("got " .. msg.msg)
              io.stdout:flush()
            end
            """);
        if (Environment.UserName != "root")
        {
            // Only root can change user: anyone else gets one clear line, before anything is bound.
            var (code, _, error) = await NodeExecutable.RunAsync(folder, "-f", "-u", "nobody", "-s", socket, "uid.lua");
            Assert.Equal(1, code);
            Assert.Contains("only root can change to another user", error);
            Assert.False(File.Exists(socket));
            return;
        }

        var output = new OutputLines();
        using var node = NodeExecutable.Start(folder, output, "-f", "-u", "nobody", "-s", socket, "uid.lua");
        try
        {
            await WaitForAsync(() => output.Stdout.Any(l => l.StartsWith("top Gid:")), node, output);
            Assert.Equal(["top Gid:\t65534\t65534\t65534\t65534", "top Uid:\t65534\t65534\t65534\t65534"], output.Stdout.Order(StringComparer.Ordinal));
            Assert.True(File.Exists(socket), "the socket was not bound before the script loaded");
            await Logger.RunAsync("-u", socket, "while loading");
            Assert.DoesNotContain("slept", output.Stdout);
            Assert.Matches(@"^Uid:\t65534\t65534\t65534\t65534$", File.ReadLines($"/proc/{node.Id}/status").Single(l => l.StartsWith("Uid:")));
            Assert.Equal("Groups:\t65534", File.ReadLines($"/proc/{node.Id}/status").Single(l => l.StartsWith("Groups:")).Trim());
            Assert.Equal("65534:65534", await StatOwnerAsync(socket));

            await Logger.RunAsync("-u", socket, "after the drop");
            await WaitForAsync(() => output.Stdout.Contains("got after the drop"), node, output);
            Assert.Equal(["got while loading", "got after the drop"], output.Stdout.Where(l => l.StartsWith("got ")));
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task An_unknown_user_is_one_line_and_exit_1()
    {
        await File.WriteAllTextAsync(Path.Combine(folder, "ok.lua"), "function log(m) end\n");

        var (exitCode, _, stderr) = await NodeExecutable.RunAsync(folder, "-f", "-u", "no-such-user-here", "-s", Path.Combine(folder, "log"), "ok.lua");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Environment.UserName == "root" ? "no such user" : "only root", line);
    }

    [Fact]
    public async Task An_unknown_option_prints_the_usage_on_stderr_and_exits_2()
    {
        var (exitCode, stdout, stderr) = await NodeExecutable.RunAsync(folder, "-f", "--no-such-option", "x.lua");

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("unknown option '--no-such-option'", stderr);
        Assert.Contains("--lua-cpath", stderr);
    }

    [Fact]
    public async Task Version_goes_to_stderr()
    {
        var (exitCode, stdout, stderr) = await NodeExecutable.RunAsync(folder, "-v");

        Assert.Equal(0, exitCode);
        Assert.Equal("", stdout);
        Assert.Matches(@"^syslogintr \d+\.\d+\.\d+\n$", stderr);
    }

    private static async Task WaitForAsync(Func<bool> condition, Process node, OutputLines output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.False(node.HasExited, $"the node exited: {output.All}");
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {output.All}");
            await Task.Delay(50);
        }
    }

    private static async Task<string> StatOwnerAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u:%g", path]) { RedirectStandardOutput = true })!;
        var owner = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        return owner.Trim();
    }

    private static async Task StopAsync(Process node)
    {
        if (node.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", node.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await node.WaitForExitAsync(timeout.Token);
    }
}
