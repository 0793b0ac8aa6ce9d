using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Metrics;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Node;
using Syslogintr.Sinks;
using Syslogintr.Sinks.FileWrite;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

public sealed class FileWriteActorTests : TestKit, IDisposable
{
    private readonly string folder = TempFolder.Create();
    private readonly ActionCounters counters = new();

    public FileWriteActorTests()
        : base(NodeConfig.Defaults())
    {
    }

    private string Allowed => Path.Combine(folder, "log");

    [Fact]
    public void Appends_lines_flushed_within_the_interval_and_keeps_one_write_on_one_line()
    {
        var writer = Start();
        var path = Path.Combine(Allowed, "sub", "auth.log");

        writer.Tell(new FileWriteRequested(path, "first", "test"));
        writer.Tell(new FileWriteRequested(path, "forged\nline", "test"));

        AwaitAssert(() => Assert.Equal("first\nforged#012line\n", ReadShared(path)), TimeSpan.FromSeconds(3));
        Assert.Equal(2, counters.Get("write.lines"));
    }

    [Fact]
    public void Without_escaping_control_characters_a_write_still_escapes_cr_and_lf()
    {
        var writer = Sys.ActorOf(FileWriteActor.Props(Settings() with { EscapeControlCharacters = false }, counters));
        var path = Path.Combine(Allowed, "raw.log");

        writer.Tell(new FileWriteRequested(path, "tab\there\r\nforged", "test"));

        AwaitAssert(() => Assert.Equal("tab\there#015#012forged\n", ReadShared(path)), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Paths_outside_the_allowed_directories_are_refused_and_counted()
    {
        var writer = Start();

        writer.Tell(new FileWriteRequested(Path.Combine(Allowed, "..", "escape.log"), "x", "test"));
        writer.Tell(new FileWriteRequested(Path.Combine(folder, "other.log"), "x", "test"));
        writer.Tell(new FileWriteRequested(Allowed, "x", "test"));

        AwaitAssert(() => Assert.Equal(3, counters.Get("write.refused")));
        Assert.False(File.Exists(Path.Combine(folder, "escape.log")));
        Assert.False(File.Exists(Path.Combine(folder, "other.log")));
    }

    [Fact]
    public void Hangup_closes_files_so_a_rotated_file_is_left_alone_and_the_next_write_reopens()
    {
        var writer = Start();
        var path = Path.Combine(Allowed, "messages");
        writer.Tell(new FileWriteRequested(path, "before rotation", "test"));
        AwaitAssert(() => Assert.Equal("before rotation\n", ReadShared(path)), TimeSpan.FromSeconds(3));

        File.Move(path, path + ".1");
        Sys.EventStream.Publish(new HangupReceived());
        writer.Tell(new FileWriteRequested(path, "after rotation", "test"));

        AwaitAssert(() => Assert.Equal("after rotation\n", ReadShared(path)), TimeSpan.FromSeconds(3));
        Assert.Equal("before rotation\n", File.ReadAllText(path + ".1"));
    }

    [Fact]
    public void A_write_that_fails_is_counted_and_the_actor_keeps_serving()
    {
        var writer = Start();
        Directory.CreateDirectory(Path.Combine(Allowed, "is-a-directory"));

        writer.Tell(new FileWriteRequested(Path.Combine(Allowed, "is-a-directory"), "x", "test"));
        writer.Tell(new FileWriteRequested(Path.Combine(Allowed, "fine.log"), "still here", "test"));

        AwaitAssert(() => Assert.Equal("still here\n", ReadShared(Path.Combine(Allowed, "fine.log"))), TimeSpan.FromSeconds(3));
        Assert.Equal(1, counters.Get("write.errors"));
    }

    [Fact]
    public void Beyond_max_open_files_the_least_recently_written_file_is_closed_without_losing_lines()
    {
        var writer = Sys.ActorOf(FileWriteActor.Props(Settings() with { MaxOpenFiles = 1 }, counters));
        var (a, b) = (Path.Combine(Allowed, "a.log"), Path.Combine(Allowed, "b.log"));

        foreach (var (path, line) in new[] { (a, "a1"), (b, "b1"), (a, "a2"), (b, "b2") })
        {
            writer.Tell(new FileWriteRequested(path, line, "test"));
        }

        AwaitAssert(() => Assert.Equal(("a1\na2\n", "b1\nb2\n"), (ReadShared(a), ReadShared(b))), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Stopping_flushes_what_is_buffered()
    {
        var writer = Sys.ActorOf(FileWriteActor.Props(Settings() with { FlushInterval = TimeSpan.FromHours(1) }, counters));
        var path = Path.Combine(Allowed, "late.log");
        writer.Tell(new FileWriteRequested(path, "last words", "test"));
        Watch(writer);

        writer.Tell(PoisonPill.Instance);

        ExpectTerminated(writer);
        Assert.Equal("last words\n", File.ReadAllText(path));
    }

    public new void Dispose()
    {
        base.Dispose();
        TempFolder.Delete(folder);
    }

    private FileWriteSettings Settings() => new([FileWriteSettings.Directory(Allowed)], TimeSpan.FromMilliseconds(100), 64, true, TimeSpan.Zero);

    private IActorRef Start() => Sys.ActorOf(FileWriteActor.Props(Settings(), counters));

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }
}
