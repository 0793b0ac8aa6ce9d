using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Syslogintr.Metrics;
using Syslogintr.Actions;
using Syslogintr.Node;
using Syslogintr.Sinks;
using Syslogintr.Sinks.FileWrite;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

/// <summary><c>write.close-idle-after</c>: read from the configuration and applied by the actor on its flush tick, on virtual time.</summary>
public sealed class FileWriteIdleTests() : TestKit(ConfigurationFactory.ParseString(VirtualTime.Config).WithFallback(NodeConfig.Defaults())), IDisposable
{
    private static readonly TimeSpan Flush = TimeSpan.FromSeconds(1);
    private readonly string folder = TempFolder.Create();

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public void By_default_a_file_closes_after_five_quiet_minutes_and_zero_means_never()
    {
        var defaults = FileWriteSettings.From(NodeConfig.Defaults());
        var never = FileWriteSettings.From(ConfigurationFactory.ParseString("syslogintr.write.close-idle-after = 0s"));

        Assert.Equal((TimeSpan.FromMinutes(5), 300), (defaults.CloseIdleAfter, defaults.CloseIdleAfterFlushes));
        Assert.Equal(0, never.CloseIdleAfterFlushes);
        Assert.Equal(3, (defaults with { CloseIdleAfter = TimeSpan.FromMilliseconds(2500), FlushInterval = Flush }).CloseIdleAfterFlushes);
    }

    [Fact]
    public void The_actor_closes_a_file_quiet_for_close_idle_after_within_one_more_flush_and_reopens_it_for_the_next_line()
    {
        var settings = new FileWriteSettings([FileWriteSettings.Directory(folder)], Flush, 64, true, TimeSpan.FromMilliseconds(2500));
        var writer = Sys.ActorOf(FileWriteActor.Props(settings, new ActionCounters()));
        var path = Path.Combine(folder, "idle.log");
        writer.Tell(new FileWriteRequested(path, "one", "test"));

        Tick(writer, 3); // 3 s: the interval with the line, then two quiet ones: 2.5 s not yet whole intervals
        Assert.True(OpenDescriptors.Held(path));
        Assert.Equal("one\n", File.ReadAllText(path));
        Tick(writer, 1);
        Assert.False(OpenDescriptors.Held(path));

        writer.Tell(new FileWriteRequested(path, "two", "test"));
        Tick(writer, 1);
        Assert.Equal("one\ntwo\n", File.ReadAllText(path));
        Assert.True(OpenDescriptors.Held(path));
        Sys.Stop(writer);
    }

    public new void Dispose()
    {
        base.Dispose();
        TempFolder.Delete(folder);
    }

    /// <summary>Fires the flush timer <paramref name="flushes"/> times; a round trip after each makes sure the actor has handled it.</summary>
    private void Tick(IActorRef writer, int flushes)
    {
        for (var i = 0; i < flushes; i++)
        {
            writer.Tell(new Identify(null), TestActor);
            ExpectMsg<ActorIdentity>();
            Scheduler.Advance(Flush);
        }

        writer.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
    }
}
