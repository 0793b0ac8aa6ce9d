using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Syslogintr.Hosting.Checking;
using Syslogintr.Node;
using Syslogintr.Node.Commands;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Settings;

/// <summary>
/// <c>syslogintr check-config</c> in-process: each mistake the issue lists is one <c>FILE:LINE: key: sentence</c> with
/// the line it is on, never a stack trace, and the node's own start-up (<see cref="NodeConfig.LoadChecked"/>)
/// refuses the file with exactly the same lines.
/// </summary>
public sealed partial class CheckConfigTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_good_configuration_has_no_problem_and_the_node_loads_it()
    {
        File.WriteAllText(folder.File("good.lua"), "function log(msg) end\n");
        File.WriteAllText(folder.File("pw"), "secret\n");
        File.WriteAllText(folder.File("server.pem"), "");
        var file = Write($$"""
            syslogintr {
              pipeline.queue-size = 1000
              listeners.tcp.tls { certificate = "{{folder.File("server.pem")}}", client-certificate = none }
              listener-defaults.unix.receive-buffer = 1MiB
              files.auth { path = "{{folder.Path}}/auth.log", select = "auth.*", format = rfc5424 }
              console { enabled = false, format = rfc3339 }
              rules.ok { script = "{{folder.Path}}/good.lua", instances = 2, match { program = sshd, severity = "info+" } }
              rules.ok.options { anything = [1, 2], goes = { here = true } }
              probes.db { kind = tcp, port = 5432, every = 5m }
              probes.quick { kind = tcp, port = 5433, every = 3s }
              mail { to = "ops@example.org", smtp { port = 587, user = alerts, password-file = "{{folder.File("pw")}}" } }
              alerts.max-per-hour = 5
              cluster.split-brain-resolver { stable-after = 10s }
              dispatchers.rules.type = PinnedDispatcher
            }
            akka.loglevel = DEBUG
            "syslogintr".pipeline."batch-size" = 100
            """);

        var (exitCode, lines) = CheckConfig(file);

        Assert.Equal(CheckConfigCommand.Clean, exitCode);
        Assert.Equal([$"syslogintr: {file}: no problems found"], lines);
        Assert.Equal(1000, NodeConfig.LoadChecked(file).GetInt("syslogintr.pipeline.queue-size"));
    }

    [Theory]
    [InlineData("syslogintr.files.messages.select = *.*", 1, "syslogintr.files.messages.select", "Akka's HOCON parser cannot read '*.*' here: put the value in quotes")]
    [InlineData("syslogintr {\n  mail { smtp { host = \"x\" }, from = \"y\" }\n}", 2, "syslogintr.mail.smtp", "a ',' after a section's closing '}' is not accepted")]
    [InlineData("syslogintr {\n  pipeline {\n    queue-size = 5\n\n  alerts.repeat = 1h\n}", 2, "syslogintr.pipeline", "this '{' is never closed (a '}' is missing): the '}' on line 6")]
    [InlineData("syslogintr {\n  pipeline.queue-size = 5\n", 1, "syslogintr", "this '{' is never closed")]
    [InlineData("syslogintr.pipeline.queue-size = 5\n}}}", 2, "syntax", "this '}' closes nothing")]
    [InlineData("syslogintr.listeners.udp.bind = 127.0.0.1:5514", 1, "syslogintr.listeners.udp.bind", "':' inside a value: put the value in quotes")]
    [InlineData("syslogintr {\n  listners.x { kind = udp }\n}", 2, "syslogintr.listners", "unknown key; did you mean 'listeners'?")]
    [InlineData("syslogintr.pipeline {\n  queue-sise = 100\n}", 2, "syslogintr.pipeline.queue-sise", "unknown key; did you mean 'queue-size'?")]
    [InlineData("syslogintr.files.messages.formatt = rfc5424", 1, "syslogintr.files.messages.formatt", "unknown key; did you mean 'format'?")]
    [InlineData("syslogintr.listeners.mine { kind = tcp, bind = \"127.0.0.1:1\", max-conections = 5 }", 1, "syslogintr.listeners.mine.max-conections", "did you mean 'max-connections'?")]
    [InlineData("syslogintr.mail.max-per-hour = 3", 1, "syslogintr.mail.max-per-hour", "unknown key here; 'max-per-hour' belongs in syslogintr.alerts")]
    [InlineData("syslogintr.console.enabled = maybe", 1, "syslogintr.console.enabled", "must be true or false, not 'maybe'")]
    [InlineData("syslogintr.pipeline.queue-size = lots", 1, "syslogintr.pipeline.queue-size", "must be a whole number, not 'lots'")]
    [InlineData("syslogintr.ban.never-ban = \"10.0.0.1\"", 1, "syslogintr.ban.never-ban", "must be a list")]
    [InlineData("syslogintr.pipeline.queue-size = -5", 1, "syslogintr.pipeline.queue-size", "must be between 1 and 10000000, not -5")]
    [InlineData("syslogintr.listener-defaults.max-connections = -1", 1, "syslogintr.listener-defaults.max-connections", "must not be negative, not -1")]
    [InlineData("syslogintr.listener-defaults.receive-buffer = -8MiB", 1, "syslogintr.listener-defaults.receive-buffer", "must not be negative")]
    [InlineData("syslogintr.pipeline.drain-timeout = 5 parsecs", 1, "syslogintr.pipeline.drain-timeout", "'5 parsecs' is not a duration")]
    [InlineData("syslogintr.pipeline.queue-size = = 5", 1, "syslogintr.pipeline.queue-size", "'=' twice: the value is missing")]
    [InlineData("syslogintr.pipeline.queue-size = 0", 1, "syslogintr.pipeline.queue-size", "must be between 1 and 10000000, not 0")]
    [InlineData("syslogintr.listeners.x { kind = udpp, bind = \"127.0.0.1:9\" }", 1, "syslogintr.listeners.x.kind", "kind must be udp, tcp or unix, not 'udpp'")]
    [InlineData("akka {\n  loglevel = BLAH\n}", 2, "akka.loglevel", "Unknown LogLevel: \"BLAH\"")]
    [InlineData("syslogintr.hostname = ${?NOTHING}", 1, "syslogintr.hostname", "an optional substitution ${?...} is not supported")]
    [InlineData("syslogintr.pipeline {\n  drain-timeout = 5\n}", 2, "syslogintr.pipeline.drain-timeout", "'5' has no unit, and Akka reads a bare number as milliseconds (5ms): write the unit")]
    [InlineData("syslogintr.rule-defaults.time-budget = 0.5", 1, "syslogintr.rule-defaults.time-budget", "'0.5' has no unit")]
    [InlineData("akka.acter.provider = cluster", 1, "akka.acter", "unknown key; did you mean 'actor'?")]
    [InlineData("syslogintr.probes.quick { kind = tcp, port = 1, every = 3s, timeout = 5s }", 1, "syslogintr.probes.quick.timeout", "'timeout' (00:00:05) is not shorter than 'every' (00:00:03)")]
    [InlineData("akka {\n  logleve = DEBUG\n}", 2, "akka.logleve", "unknown key; did you mean 'loglevel'?")]
    public void Each_mistake_is_one_line_with_its_file_line_and_key_and_the_node_refuses_it_with_the_same_lines(string hocon, int line, string key, string sentence)
    {
        var file = Write(hocon);

        var (exitCode, lines) = CheckConfig(file);

        Assert.Equal(CheckConfigCommand.Problems, exitCode);
        AssertProblemLines(lines);
        Assert.Contains(lines, l => l.StartsWith($"{file}:{line}: {key}: ", StringComparison.Ordinal) && l.Contains(sentence, StringComparison.Ordinal));
        Assert.Equal(lines, NodeRefusal(file));
    }

    [Fact]
    public void A_quoted_key_with_a_dot_is_one_name_that_the_node_ignores_and_is_said_so_where_it_is_written()
    {
        // Akka keeps "pipeline.queue-size" as one key, so the node would run with the default queue size.
        var file = Write("""
            syslogintr {
              "pipeline.queue-size" = 5
              pipeline { "batch-size" = 10 }
            }
            "syslogintr.alerts.repeat" = 1h
            akka.actor.serialization-bindings { "System.Object" = json }
            """);

        var (exitCode, lines) = CheckConfig(file);

        Assert.Equal(CheckConfigCommand.Problems, exitCode);
        Assert.Equal(
            [
                $"{file}:2: syslogintr.\"pipeline.queue-size\": a quoted key is one name: Akka reads \"pipeline.queue-size\" as a single key with a dot in it, not as syslogintr.pipeline.queue-size, so the node ignores it: write it without the quotes",
                $"{file}:5: \"syslogintr.alerts.repeat\": a quoted key is one name: Akka reads \"syslogintr.alerts.repeat\" as a single key with a dot in it, not as syslogintr.alerts.repeat, so the node ignores it: write it without the quotes",
            ],
            lines);
        Assert.Equal(lines, NodeRefusal(file));
    }

    [Fact]
    public void Akka_keys_below_the_sections_akka_knows_are_accepted_whatever_they_are()
    {
        var file = Write("""
            akka {
              actor.serialize-messages = off
              remote.dot-netty.tcp.send-buffer-size = 256000b
              cluster.sharding.passivation.strategy = none
              coordinated-shutdown.run-by-clr-shutdown-hook = on
              scheduler.tick-duration = 10ms
              io.tcp.batch-accept-limit = 10
              loggers = ["Akka.Event.DefaultLogger"]
              log-config-on-start = off
              log-dead-letters = off
              extensions = []
              persistence.journal.plugin = "akka.persistence.journal.inmem"
              discovery.method = config
              management.http.port = 8558
            }
            """);

        var (exitCode, lines) = CheckConfig(file);

        Assert.True(exitCode == CheckConfigCommand.Clean, string.Join('\n', lines));
    }

    [Fact]
    public void A_script_mode_script_is_compiled_never_run_and_its_syntax_error_is_one_line_at_its_line()
    {
        var marker = folder.File("ran");
        var bad = folder.File("bad.lua");
        File.WriteAllText(bad, $"io.open(\"{marker}\", \"w\")\nfunction log(m)\n  if m then\nend\n");
        var good = folder.File("good.lua");
        File.WriteAllText(good, $"io.open(\"{marker}\", \"w\")\nfunction log(m) end\n");
        var file = Write("");

        using var output = new StringWriter();
        var exitCode = CheckConfigCommand.Run(file, output, bad);
        using var goodOutput = new StringWriter();
        var goodExitCode = CheckConfigCommand.Run(file, goodOutput, good);
        using var missingOutput = new StringWriter();
        CheckConfigCommand.Run(file, missingOutput, folder.File("missing.lua"));

        Assert.Equal(CheckConfigCommand.Problems, exitCode);
        Assert.Equal($"{bad}:5: script: 'end' expected (to close 'function' at line 2) near <eof>\n", output.ToString());
        Assert.Equal(CheckConfigCommand.Clean, goodExitCode);
        Assert.Equal($"syslogintr: {good} and {file}: no problems found\n", goodOutput.ToString());
        Assert.Equal($"{folder.File("missing.lua")}:1: script: the script does not exist\n", missingOutput.ToString());
        Assert.False(File.Exists(marker), "the script ran");
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_line_order()
    {
        var file = Write("""
            syslogintr {
              pipeline {
                queue-sise = 100
                drain-timeout = 5 parsecs
                batch-size = -5
              }
              files.messages.formatt = rfc5424
              mail.max-per-hour = 3
              console.enabled = maybe
            }
            """);

        var (_, lines) = CheckConfig(file);

        AssertProblemLines(lines);
        Assert.Equal([3, 4, 5, 7, 8, 9], lines.Select(l => int.Parse(ProblemLine().Match(l).Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(lines, NodeRefusal(file));
    }

    [Fact]
    public void A_missing_script_and_a_lua_syntax_error_are_reported_at_the_rules_script_key_without_running_anything()
    {
        var marker = folder.File("ran");
        File.WriteAllText(folder.File("bad.lua"), $"io.open(\"{marker}\", \"w\")\nfunction log(m)\n  if m then\nend\n");
        var file = Write($$"""
            syslogintr.rules {
              gone.script = "{{folder.Path}}/missing.lua"
              broken { script = "{{folder.Path}}/bad.lua", trusted = true }
            }
            """);

        var (_, lines) = CheckConfig(file);

        AssertProblemLines(lines);
        Assert.Equal(
            [
                $"{file}:2: syslogintr.rules.gone.script: the script {folder.Path}/missing.lua does not exist",
                $"{file}:3: syslogintr.rules.broken.script: the script does not compile: {folder.Path}/bad.lua:5: 'end' expected (to close 'function' at line 2) near <eof>",
            ],
            lines);
        Assert.False(File.Exists(marker), "the script ran");
        Assert.Equal(lines, NodeRefusal(file));
    }

    [Fact]
    public void A_path_that_cannot_be_created_and_a_missing_tls_file_are_reported_without_creating_anything()
    {
        File.WriteAllText(folder.File("plain"), "");
        var file = Write($$"""
            syslogintr.files.messages.path = "{{folder.File("plain")}}/sub/messages"
            syslogintr.mail.outbox = "{{folder.File("spool")}}/outbox"
            syslogintr.listeners.tcp.tls.certificate = "{{folder.File("missing.pfx")}}"
            """);

        var (_, lines) = CheckConfig(file);

        Assert.Equal(
            [
                $"{file}:1: syslogintr.files.messages.path: {folder.File("plain")} is a file, not a folder: {folder.File("plain")}/sub cannot be created",
                $"{file}:3: syslogintr.listeners.tcp.tls.certificate: the file {folder.File("missing.pfx")} does not exist",
            ],
            lines);
        Assert.False(Directory.Exists(folder.File("spool")), "the check created the outbox");
        Assert.Equal(lines, NodeRefusal(file));
    }

    [Fact]
    public void A_port_and_a_socket_path_in_use_are_reported_and_a_live_node_holding_the_pid_file_is_not_probed()
    {
        using var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        using var unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        unix.Bind(new UnixDomainSocketEndPoint(folder.File("log")));
        var file = Write($$"""
            syslogintr.listeners {
              udp.enabled = false
              tcp.bind = "127.0.0.1:{{port}}"
              local.path = "{{folder.File("log")}}"
            }
            """, listeners: false);

        var (exitCode, lines) = CheckConfig(file);

        Assert.Equal(CheckConfigCommand.Problems, exitCode);
        Assert.Equal(
            [
                $"{file}:3: syslogintr.listeners.tcp.bind: TCP port {port} on 127.0.0.1 is already in use by another process",
                $"{file}:4: syslogintr.listeners.local.path: a running process is bound to the socket {folder.File("log")}",
            ],
            lines);
        Assert.Equal(lines, NodeRefusal(file));
    }

    [Fact]
    public void Ports_held_by_the_live_node_of_the_same_pid_file_are_not_probed_and_it_says_so()
    {
        using var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        var file = Write($$"""
            syslogintr.listeners {
              udp.enabled = false
              local.enabled = false
              tcp.bind = "127.0.0.1:{{port}}"
            }
            """, listeners: false);
        using var pidFile = PidFile.Acquire(NodeConfig.Load(file));
        pidFile.Publish();

        var (exitCode, lines) = CheckConfig(file);

        Assert.Equal(CheckConfigCommand.Clean, exitCode);
        Assert.Equal(
            [
                $"syslogintr: a node (pid {Environment.ProcessId}) is running with the pid file {folder.File("node.pid")}; its listeners' ports and sockets were not probed",
                $"syslogintr: {file}: no problems found",
            ],
            lines);
    }

    private string Write(string hocon, bool listeners = true)
    {
        // Our own listeners and pid file after the case, so its line numbers are the file's: a default port or
        // socket another test's node holds must not be reported here.
        var port = TestNode.FreePort();
        var file = folder.File($"{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, hocon + $$"""

            syslogintr.pid-file = "{{folder.File("node.pid")}}"
            {{(listeners ? $"syslogintr.listeners.udp.bind = \"127.0.0.1:{port}\"\nsyslogintr.listeners.tcp.bind = \"127.0.0.1:{port}\"\nsyslogintr.listeners.local.path = \"{folder.File("sock")}\"" : "")}}
            """);
        return file;
    }

    private static (int ExitCode, List<string> Lines) CheckConfig(string file)
    {
        using var output = new StringWriter();
        var exitCode = CheckConfigCommand.Run(file, output);
        return (exitCode, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList());
    }

    private static List<string> NodeRefusal(string file) =>
        [.. Assert.Throws<ConfigProblemsException>(() => NodeConfig.LoadChecked(file)).Problems.Select(p => p.ToString())];

    private static void AssertProblemLines(List<string> lines)
    {
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            Assert.Matches(ProblemLine(), line);
            Assert.DoesNotContain("   at ", line);
            Assert.DoesNotContain("Exception", line);
        }
    }

    [GeneratedRegex(@"^(/[^:]+|<built-in syslogintr\.conf>):(?<line>[1-9][0-9]*): [a-z][A-Za-z0-9._-]*: \S.*$")]
    private static partial Regex ProblemLine();
}
