using System.Globalization;
using System.Text.RegularExpressions;
using Syslogintr.Hosting;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Settings;

/// <summary>
/// What an idle node does. It gives back what a busy spell left committed (README, "Memory — syslogintr.memory"):
/// the decision on made-up allocation counts, then the real node after its start-up and after a burst, by its own
/// log line and its RSS. And nothing written near it wakes it (README, "Idle").
/// </summary>
public sealed partial class IdleNodeTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void A_quiet_look_after_a_busy_spell_collects_once()
    {
        var trim = new IdleMemoryTrim(allocatedAtStart: 0);

        Assert.False(trim.ShouldCollect(100 * MiB), "busy since the last look");
        Assert.True(trim.ShouldCollect(101 * MiB), "quiet now, 101 MiB since any collection");
        Assert.Equal(101 * MiB, trim.AllocatedBeforeCollection);
        Assert.False(trim.ShouldCollect(102 * MiB), "still quiet, but nothing worth collecting since");
        Assert.False(trim.ShouldCollect(103 * MiB), "still quiet, but nothing worth collecting since");
    }

    [Fact]
    public void A_busy_node_is_never_collected_and_a_trickle_only_once_it_adds_up()
    {
        var trim = new IdleMemoryTrim(allocatedAtStart: 0);
        var allocated = 0L;
        for (var look = 0; look < 50; look++)
        {
            allocated += IdleMemoryTrim.QuietBytes;
            Assert.False(trim.ShouldCollect(allocated), $"look {look}: as busy as quiet allows, never collected");
        }

        var trickle = new IdleMemoryTrim(allocatedAtStart: 0);
        var collections = 0;
        allocated = 0;
        for (var look = 0; look < 32; look++)
        {
            allocated += MiB;
            collections += trickle.ShouldCollect(allocated) ? 1 : 0;
        }

        // 1 MiB a look is quiet; a collection is worth it every 32 MiB of them.
        Assert.Equal(1, collections);
    }

    [Fact]
    public void The_process_start_counts_as_a_busy_spell_but_what_came_before_the_trim_began_is_not_a_look()
    {
        var trim = new IdleMemoryTrim(allocatedAtStart: 60 * MiB);

        Assert.True(trim.ShouldCollect(61 * MiB), "start-up allocated 60 MiB, then the node went quiet");
        Assert.False(trim.ShouldCollect(62 * MiB));
    }

    [Fact]
    public async Task The_node_gives_back_what_start_up_and_a_burst_left_committed() =>
        await WithNodeAsync("1s", async (port, output, node) =>
        {
            var afterStart = await NextTrimAsync(output, node, seen: 0);

            await SendBurstAsync(port);
            var afterBurst = await NextTrimAsync(output, node, seen: 1);

            Assert.True(afterBurst.AllocatedMiB >= 32, $"the burst allocated {afterBurst.AllocatedMiB} MiB");
            Assert.True(afterBurst.RssMb < afterBurst.WasMb, $"RSS {afterBurst.RssMb} MB after the collection, {afterBurst.WasMb} MB before");
            Assert.True(afterStart.RssMb < afterStart.WasMb, $"RSS {afterStart.RssMb} MB after the start-up's collection, {afterStart.WasMb} MB before");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(2, Trims(output).Count);
        });

    [Fact]
    public async Task With_0s_the_node_never_collects_for_it() =>
        await WithNodeAsync("0s", async (port, output, node) =>
        {
            await StartedAsync(output, node);
            // Start-up and a burst, then 5 quiet seconds: with 1s the node above has collected twice by then.
            await SendBurstAsync(port);
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.False(node.HasExited, $"the node stopped:\n{output.All}");
            Assert.Empty(Trims(output));
        });

    [Fact]
    public async Task The_node_watches_no_file_so_writes_in_its_working_directory_do_not_wake_it() =>
        await WithNodeAsync("0s", async (_, output, node) =>
        {
            await StartedAsync(output, node);
            // .NET's host defaults watch the working directory for appsettings.json through inotify.
            Assert.DoesNotContain("anon_inode:inotify", OpenDescriptors.Targets(node.Id.ToString(CultureInfo.InvariantCulture)));
        });

    [Fact]
    public async Task A_node_hosted_in_another_program_leaves_the_process_wide_collection_to_the_executable()
    {
        // Several in-process nodes (the tests') would each collect the whole process; only the executable starts it.
        await using var node = await TestNode.StartAsync("syslogintr.memory.trim-when-idle = 1s");
        var found = await node.System.ActorSelection("/user/memory-trim").ResolveOne(TimeSpan.FromSeconds(3)).ContinueWith(t => t.IsCompletedSuccessfully);
        Assert.False(found, "an actor system built by AddSyslogintr started the idle-memory trim");
    }

    /// <summary>Until the node has logged its GC settings, the last thing it does at start.</summary>
    private static async Task StartedAsync(OutputLines output, System.Diagnostics.Process node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!output.All.Contains("memory: workstation GC", StringComparison.Ordinal) && !node.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(node.HasExited, $"the node stopped:\n{output.All}");
    }

    /// <summary>A node with a TCP listener on a free port and the given <c>trim-when-idle</c>, killed after <paramref name="body"/>.</summary>
    private static async Task WithNodeAsync(string trimWhenIdle, Func<int, OutputLines, System.Diagnostics.Process, Task> body)
    {
        var folder = TempFolder.Create();
        try
        {
            var port = TestNode.FreePort();
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners { udp.enabled = false, tcp.bind = "127.0.0.1:{{port}}", local.path = "{{folder}}/log" }
                  http.enabled = false
                  files.messages.path = "{{folder}}/messages"
                  memory.trim-when-idle = {{trimWhenIdle}}
                }
                """);
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            try
            {
                await body(port, output, node);
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

    private static Task SendBurstAsync(int port) =>
        SyslogTcp.SendLinesAsync(port, 200_000, i => $"<13>Nov 29 10:00:00 h app[1]: a message of a burst, number {i}");

    private static async Task<Trim> NextTrimAsync(OutputLines output, System.Diagnostics.Process node, int seen)
    {
        // Generous: a loaded 2-core machine starts a node in many times its usual second.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Trims(output).Count <= seen && !node.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var trims = Trims(output);
        Assert.True(trims.Count > seen, $"no collection logged ({seen} before):\n{output.All}");
        return trims[seen];
    }

    private static List<Trim> Trims(OutputLines output) =>
        [.. TrimLine().Matches(output.All).Select(m => new Trim(Number(m, "allocated"), Number(m, "rss"), Number(m, "was")))];

    private static int Number(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"memory: quiet after (?<allocated>\d+) MiB allocated, collected in \d+ ms: RSS (?<rss>\d+) MB, was (?<was>\d+) MB")]
    private static partial Regex TrimLine();

    private sealed record Trim(int AllocatedMiB, int RssMb, int WasMb);
}
