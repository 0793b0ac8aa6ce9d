using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Metrics;
using Syslogintr.Actions;
using Syslogintr.Node;

namespace Syslogintr.Tests.Actions;

public sealed class ExecActorTests() : TestKit(NodeConfig.Defaults())
{
    private readonly ActionCounters counters = new();
    private readonly TempDirectory temp = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        temp.Dispose();
    }

    [Fact]
    public void Reports_exit_code_and_keeps_only_the_first_bytes_of_output()
    {
        var exec = Sys.ActorOf(ExecActor.Props(ExecSettings.Default with { OutputLimit = 100 }, counters));

        exec.Tell(new ProcessRunRequested(["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo oops >&2; exit 3"], TimeSpan.FromSeconds(20), "test", "c1"));

        var exited = ExpectMsg<ProcessExited>(TimeSpan.FromSeconds(20));
        Assert.Equal(3, exited.ExitCode);
        Assert.False(exited.TimedOut);
        Assert.Equal("c1", exited.Correlation);
        Assert.InRange(exited.Output.Length, 100, 101);
        Assert.StartsWith(new string('x', 50), exited.Output);
        AwaitAssert(() => Assert.Equal(1, counters.Get("exec.failed")));
    }

    [Fact]
    public void Kills_the_whole_process_tree_at_the_timeout()
    {
        var exec = Sys.ActorOf(ExecActor.Props(ExecSettings.Default, counters));
        var pidFile = temp.File("exec.pid");

        exec.Tell(new ProcessRunRequested(["sh", "-c", $"sleep 60 & echo $! > {pidFile}; wait"], TimeSpan.FromMilliseconds(500), "test", null));

        var exited = ExpectMsg<ProcessExited>(TimeSpan.FromSeconds(10));
        Assert.True(exited.TimedOut);
        Assert.InRange(exited.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim());
        AwaitAssert(() => Assert.False(IsRunning(grandchild), $"sleep {grandchild} survived"), TimeSpan.FromSeconds(5));
        Assert.Equal(1, counters.Get("exec.timed_out"));
    }

    [Fact]
    public void A_program_that_does_not_exist_is_a_logged_failure_not_a_crash()
    {
        var exec = Sys.ActorOf(ExecActor.Props(ExecSettings.Default, counters));

        exec.Tell(new ProcessRunRequested(["/nonexistent/program"], TimeSpan.FromSeconds(5), "test", null));

        Assert.NotNull(ExpectMsg<ProcessExited>().StartError);
        exec.Tell(new ProcessRunRequested(["true"], TimeSpan.FromSeconds(5), "test", null));
        Assert.True(ExpectMsg<ProcessExited>(TimeSpan.FromSeconds(10)).Succeeded);
    }

    [Fact]
    public void Runs_at_most_max_concurrent_queues_max_queued_and_drops_the_rest_with_a_count()
    {
        var exec = Sys.ActorOf(ExecActor.Props(ExecSettings.Default with { MaxConcurrent = 1, MaxQueued = 1 }, counters));

        for (var i = 0; i < 3; i++)
        {
            exec.Tell(new ProcessRunRequested(["sleep", "0.3"], TimeSpan.FromSeconds(5), "test", i));
        }

        var first = ExpectMsg<ProcessExited>(TimeSpan.FromSeconds(10));
        var second = ExpectMsg<ProcessExited>(TimeSpan.FromSeconds(10));
        Assert.Equal([0, 1], new[] { (int)first.Correlation!, (int)second.Correlation! });
        Assert.True(second.Elapsed >= TimeSpan.FromMilliseconds(250));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, counters.Get("exec.dropped"));
    }

    [Fact]
    public void Rule_requests_run_without_a_reply()
    {
        var marker = temp.File("exec-marker");
        var exec = Sys.ActorOf(ExecActor.Props(ExecSettings.Default, counters));

        exec.Tell(new ExecRequested(["touch", marker], TimeSpan.FromSeconds(5), "test-rule"));

        AwaitAssert(() => Assert.True(File.Exists(marker)), TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        // A killed child waiting to be reaped is a zombie ("Z"), not running.
        var text = File.ReadAllText(stat);
        return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
    }
}
