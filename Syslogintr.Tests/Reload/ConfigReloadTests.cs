using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Reload;
using Syslogintr.Probes;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Reload;

/// <summary>
/// <c>syslogintr reload</c> re-reads the configuration file and applies its live sections (sinks, rules, probes,
/// alerts, mail) while messages flow, losing none; a broken file changes nothing.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed partial class ConfigReloadTests
{
    private const int Before = 5000;
    private const int After = 5000;

    [Fact]
    public async Task Reload_under_load_adds_removes_and_changes_sinks_and_rules_and_every_message_is_where_it_should_be_exactly_once()
    {
        string Config(string d, bool reloaded) => $$"""
            syslogintr {
              files {
                {{(reloaded ? "" : $"gone {{ path = \"{d}/gone\", flush-interval = 50ms }}")}}
                moved { path = "{{d}}/{{(reloaded ? "moved-2" : "moved-1")}}", flush-interval = 50ms }
                {{(reloaded ? $"added {{ path = \"{d}/added\", flush-interval = 50ms }}" : "")}}
              }
              write { flush-interval = 50ms, allowed-directories = ["{{d}}"] }
              rules {
                picker { script = "{{d}}/picker.lua", allowed-paths = ["{{d}}"], match.program = {{(reloaded ? "[a, b]" : "[a]")}} }
                {{(reloaded ? $"newcomer {{ script = \"{d}/newcomer.lua\", allowed-paths = [\"{d}\"] }}" : "")}}
              }
            }
            """;
        await using var node = await TestNode.StartFromFileAsync((d, _) =>
        {
            File.WriteAllText(Path.Combine(d, "picker.lua"), $"function log(m) write('{d}/picked', m.program .. ' ' .. m.msg) end");
            File.WriteAllText(Path.Combine(d, "newcomer.lua"), $"function log(m) write('{d}/newcomer', m.program .. ' ' .. m.msg) end");
            return Config(d, reloaded: false);
        });
        var reloaded = Outcome<ConfigReloaded>(node.System);
        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        sender.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
        var sent = 0;
        void Send(int count)
        {
            for (var i = 0; i < count; i++, sent++)
            {
                // A unix datagram sender waits when the node's socket is full: nothing is lost before the node.
                sender.Send(Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 {Program(sent)}[1]: seq {sent}"));
                if (sent % 20 == 0)
                {
                    Thread.Sleep(1);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.Run(() => Send(Before));
        node.RewriteConfig(Config(node.Directory, reloaded: true));
        node.System.EventStream.Publish(ReloadRequested.Instance);

        // Messages keep coming while the reload applies, and after.
        await Task.Run(() =>
        {
            while (!reloaded.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Send(20);
            }

            Send(After);
        });
        var changes = await reloaded.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(
            ["sink moved changed", "sink added added", "sink gone removed", "rule picker changed", "rule newcomer added"],
            changes.Changes);
        Assert.Empty(changes.RestartNeeded);

        var all = Enumerable.Range(0, sent).ToList();
        var path = (string name) => Path.Combine(node.Directory, name);
        await WaitForAsync(() => Seqs(path("messages")).Count >= sent && Seqs(path("added")).LastOrDefault() == sent - 1
            && Seqs(path("moved-2")).LastOrDefault() == sent - 1 && Seqs(path("newcomer")).LastOrDefault() == sent - 1
            && Seqs(path("picked")).Count(i => Program(i) == "a") == (sent + 1) / 2 && Seqs(path("picked")).Contains(sent - 1)
            && Seqs(path("moved-1")).Count + Seqs(path("moved-2")).Count >= sent && Seqs(path("gone")).Count >= Before);

        // Across the whole run: each message once, in order.
        Assert.Equal(all, Seqs(path("messages")));

        // Replaced: what the old sink wrote and what the new one wrote are the whole run, split at one message.
        var moved1 = Seqs(path("moved-1"));
        Assert.Equal(all, moved1.Concat(Seqs(path("moved-2"))));
        Assert.InRange(moved1.Count, Before, sent - After);

        // Removed: a prefix; added: a suffix, each with no gap.
        var gone = Seqs(path("gone"));
        Assert.Equal(Enumerable.Range(0, gone.Count), gone);
        Assert.InRange(gone.Count, Before, sent - After);
        var added = Seqs(path("added"));
        Assert.Equal(Enumerable.Range(sent - added.Count, added.Count), added);
        Assert.InRange(added.Count, After, sent - Before);
        var newcomer = Seqs(path("newcomer"));
        Assert.Equal(Enumerable.Range(sent - newcomer.Count, newcomer.Count), newcomer);
        Assert.InRange(newcomer.Count, After, sent - Before);

        // The rule's match grew from a to a and b: every a once, b from one point on without a gap. The old and
        // the new state run side by side while the old one finishes its last batches: their write()s may interleave.
        var picked = Seqs(path("picked"));
        Assert.Equal(all.Where(i => Program(i) == "a"), picked.Where(i => Program(i) == "a").Order());
        var pickedB = picked.Where(i => Program(i) == "b").Order().ToList();
        Assert.Equal(all.Where(i => Program(i) == "b").SkipWhile(i => i < pickedB[0]), pickedB);
        Assert.InRange(pickedB[0], Before, sent - After);

        Assert.False(node.Services.Metrics.LostAny, node.Services.Metrics.Summary());
    }

    [Fact]
    public async Task A_broken_configuration_changes_nothing_and_each_problem_is_logged_with_file_and_line()
    {
        await using var node = await TestNode.StartFromFileAsync((_, _) => "");
        var log = LogCollector.Subscribe(node.System);
        var refused = Outcome<ConfigReloadRefused>(node.System);
        node.RewriteConfig($$"""
            syslogintr.files.extra { path = "{{node.Directory}}/extra", formatt = rfc5424 }
            syslogintr.pipeline.queue-size = -5
            syslogintr.files.messages.path = "{{node.Directory}}/elsewhere"
            """);

        node.System.EventStream.Publish(ReloadRequested.Instance);

        var problems = (await refused.WaitAsync(TimeSpan.FromSeconds(20))).Problems;
        var file = Path.Combine(node.Directory, TestNode.ConfigFileName);
        var line = (string text) => File.ReadAllLines(file).ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal)) + 1;
        Assert.Contains(problems, p => p.StartsWith($"{file}:{line("formatt")}: syslogintr.files.extra.formatt: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith($"{file}:{line("queue-size")}: syslogintr.pipeline.queue-size: ", StringComparison.Ordinal));
        await WaitForAsync(() => problems.All(p => log.Errors.Contains(p)));

        // The old sinks still run: a message reaches messages, not the file the broken configuration named.
        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        sender.SendTo(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 app[1]: after the refused reload"), new UnixDomainSocketEndPoint(node.SocketPath));
        Assert.Contains(await node.WaitForLinesAsync(l => l.Count > 0), l => l.Contains("after the refused reload", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(node.Directory, "extra")));
        Assert.False(File.Exists(Path.Combine(node.Directory, "elsewhere")));
    }

    [Fact]
    public async Task Reload_hands_the_scheduler_its_probes_added_and_removed_and_alerts_and_mailer_their_new_settings()
    {
        string Config(string d, string probe, string to, string window) => $$"""
            syslogintr {
              probes.{{probe}} { kind = tcp, port = {{TestNode.FreePort()}}, every = 1h, timeout = 1s, jitter = 0s }
              alerts { group-window = {{window}}, state-file = "{{d}}/alerts.json" }
              mail {
                transport = sendmail
                sendmail.argv = ["/bin/sh", "-c", "cat > {{d}}/mail-$$"]
                to = ["{{to}}"]
                outbox = "{{d}}/outbox"
              }
            }
            """;
        await using var node = await TestNode.StartFromFileAsync((d, _) => Config(d, "first", "old@example.org", "100ms"));
        var log = LogCollector.Subscribe(node.System);
        await WaitForAsync(() => Mails(node.Directory).Any(m => m.Contains("first is down", StringComparison.Ordinal)));
        Assert.Contains("To: old@example.org", Assert.Single(Mails(node.Directory)), StringComparison.Ordinal);
        var reloaded = Outcome<ConfigReloaded>(node.System);
        node.RewriteConfig(Config(node.Directory, "second", "new@example.org", "50ms"));

        node.System.EventStream.Publish(ReloadRequested.Instance);

        Assert.Equal(["probes changed (1)", "alert settings changed", "mail settings changed"], (await reloaded.WaitAsync(TimeSpan.FromSeconds(30))).Changes);
        var scheduler = await node.System.ActorSelection($"/user/{ProbesHosting.SchedulerName}").ResolveOne(TimeSpan.FromSeconds(5));
        Assert.Equal(["second"], (await scheduler.Ask<ProbeStates>(GetProbeStates.Instance, TimeSpan.FromSeconds(5))).Probes.Select(p => p.Probe));
        await WaitForAsync(() => Mails(node.Directory).Any(m => m.Contains("second is down", StringComparison.Ordinal)));
        var second = Mails(node.Directory).Where(m => m.Contains("second is down", StringComparison.Ordinal)).ToList();
        Assert.True(second.Count == 1, $"{second.Count} mails about probe second; warnings and errors: {string.Join(" | ", log.Warnings.Concat(log.Errors))}");
        Assert.Contains("To: new@example.org", second[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_starts_a_scheduler_on_a_node_that_had_no_probes()
    {
        await using var node = await TestNode.StartFromFileAsync((_, _) => "");
        Assert.False(await node.System.ActorSelection($"/user/{ProbesHosting.SchedulerName}").ResolveOne(TimeSpan.FromSeconds(1)).ContinueWith(t => t.IsCompletedSuccessfully), "a scheduler without probes");
        var reloaded = Outcome<ConfigReloaded>(node.System);
        node.RewriteConfig($$"""syslogintr.probes.late { kind = tcp, port = {{TestNode.FreePort()}}, every = 1h, timeout = 1s, jitter = 0s }""");

        node.System.EventStream.Publish(ReloadRequested.Instance);

        Assert.Equal(["probes started (1)"], (await reloaded.WaitAsync(TimeSpan.FromSeconds(30))).Changes);
        var scheduler = await node.System.ActorSelection($"/user/{ProbesHosting.SchedulerName}").ResolveOne(TimeSpan.FromSeconds(5));
        Assert.Equal(["late"], (await scheduler.Ask<ProbeStates>(GetProbeStates.Instance, TimeSpan.FromSeconds(5))).Probes.Select(p => p.Probe));
    }

    [Fact]
    public async Task A_changed_listener_address_is_logged_at_reload_as_needing_a_restart_and_check_config_says_so()
    {
        var folder = TempFolder.Create();
        try
        {
            var (before, after) = (TestNode.FreePort(), TestNode.FreePort());
            var config = Path.Combine(folder, "node.conf");
            string Config(int port) => $$"""
                syslogintr.listeners {
                  udp.bind = "127.0.0.1:{{port}}"
                  tcp.enabled = false
                  local.path = "{{folder}}/log"
                }
                syslogintr.files.messages.path = "{{folder}}/messages"
                """;
            await File.WriteAllTextAsync(config, Config(before));
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            try
            {
                await Task.WhenAny(NodeExecutable.WaitForPidAsync(Path.Combine(folder, "run", "syslogintr.pid")), node.WaitForExitAsync());
                Assert.False(node.HasExited, output.All);
                await File.WriteAllTextAsync(config, Config(after));
                var expected = $"syslogintr.listeners.udp.bind changed: needs a restart; still listening on 127.0.0.1:{before}";

                var (exitCode, checkOutput, _) = await NodeExecutable.RunAsync(folder, "check-config", "--config", config);

                Assert.Equal(0, exitCode);
                Assert.Contains(expected, checkOutput.Split('\n'));
                Assert.Contains($"syslogintr: node {node.Id} needs a restart for 1 change(s); syslogintr reload applies the rest", checkOutput);

                (exitCode, _, var error) = await NodeExecutable.RunAsync(folder, "reload", "--config", config);
                Assert.True(exitCode == 0, error);
                await WaitForAsync(() => output.Stderr.Any(l => l.Contains("configuration reloaded", StringComparison.Ordinal)));
                Assert.Single(output.Stderr, l => l.EndsWith(expected, StringComparison.Ordinal));
                Assert.False(node.HasExited);
            }
            finally
            {
                node.Kill();
                await node.WaitForExitAsync();
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private static string Program(int seq) => seq % 2 == 0 ? "a" : "b";

    private static IReadOnlyList<string> Mails(string directory) =>
        [.. System.IO.Directory.GetFiles(directory, "mail-*").Select(File.ReadAllText)];

    /// <summary>The sequence numbers in a file, in file order; none when it does not exist.</summary>
    private static List<int> Seqs(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n').Select(l => Seq().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value))];
    }

    private static async Task WaitForAsync(Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The first <typeparamref name="T"/> the node publishes from now on.</summary>
    private static Task<T> Outcome<T>(ActorSystem system)
    {
        var outcome = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(Props.Create(() => new Listener<T>(outcome)));
        system.EventStream.Subscribe(listener, typeof(T));
        return outcome.Task;
    }

    [GeneratedRegex(@"seq (\d+)")]
    private static partial Regex Seq();

    private sealed class Listener<T> : ReceiveActor
    {
        public Listener(TaskCompletionSource<T> outcome) => Receive<T>(m => outcome.TrySetResult(m));
    }
}
