using System.Text;
using Akka.Event;
using Syslogintr.Metrics;
using Syslogintr.Sinks.Files;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

/// <summary>The one file writer, without an actor: what the file sink (a kept path) and rules' write() (confined, cached paths) rely on.</summary>
public sealed class FileWriterTests : IDisposable
{
    private readonly string folder = TempFolder.Create();
    private readonly SinkCounters counters = new("writer");

    [Fact]
    public void A_confined_writer_refuses_paths_outside_its_base_directories_and_creates_nothing()
    {
        var writer = Writer(new BaseDirectories([BaseDirectories.Normalize(Path.Combine(folder, "log"))]));

        Assert.False(writer.Append(Path.Combine(folder, "log", "..", "escape.log"), Line("x"), null));
        Assert.False(writer.Append(Path.Combine(folder, "log"), Line("x"), null));
        Assert.True(writer.Append(Path.Combine(folder, "log", "sub", "ok.log"), Line("inside"), null));
        writer.CloseAll();

        Assert.False(File.Exists(Path.Combine(folder, "escape.log")));
        Assert.Equal("inside\n", File.ReadAllText(Path.Combine(folder, "log", "sub", "ok.log")));
        Assert.Equal(1, counters.Written);
    }

    [Fact]
    public void Reopen_opens_a_kept_path_anew_at_once_and_closes_the_others_until_their_next_line()
    {
        var writer = Writer(confinement: null);
        var (kept, other) = (Path.Combine(folder, "messages"), Path.Combine(folder, "other.log"));
        writer.Keep(kept);
        writer.Append(kept, Line("kept before"), null);
        writer.Append(other, Line("other before"), null);
        File.Move(kept, kept + ".1");
        File.Move(other, other + ".1");

        writer.Reopen();

        Assert.Equal("kept before\n", File.ReadAllText(kept + ".1"));
        Assert.Equal("other before\n", File.ReadAllText(other + ".1"));
        Assert.True(File.Exists(kept));
        Assert.False(File.Exists(other));
        writer.Append(kept, Line("kept after"), null);
        writer.Append(other, Line("other after"), null);
        writer.FlushAll();
        Assert.Equal(("kept after\n", "other after\n"), (File.ReadAllText(kept), File.ReadAllText(other)));
        writer.CloseAll();
    }

    [Fact]
    public void Beyond_max_open_files_the_least_recently_appended_file_is_closed_with_its_lines_written()
    {
        var opened = new List<string>();
        var writer = new FileWriter(Limits(null) with { MaxOpenFiles = 2 }, counters, p => Record(opened, p), NoLogger.Instance);
        var (a, b, c) = (Path.Combine(folder, "a"), Path.Combine(folder, "b"), Path.Combine(folder, "c"));

        writer.Append(a, Line("a1"), null);
        writer.Append(b, Line("b1"), null);
        writer.Append(a, Line("a2"), null);
        writer.Append(c, Line("c1"), null);

        Assert.Equal("b1\n", File.ReadAllText(b));
        writer.Append(a, Line("a3"), null);
        writer.CloseAll();
        Assert.Equal(["a", "b", "c"], opened.Select(Path.GetFileName));
        Assert.Equal(("a1\na2\na3\n", "c1\n"), (File.ReadAllText(a), File.ReadAllText(c)));
        Assert.Equal(5, counters.Written);
    }

    [Fact]
    public void A_path_that_cannot_be_opened_counts_an_error_and_the_line_as_discarded()
    {
        var writer = Writer(confinement: null);
        Directory.CreateDirectory(Path.Combine(folder, "a-directory"));

        Assert.True(writer.Append(Path.Combine(folder, "a-directory"), Line("lost"), "rule r"));

        Assert.Equal((1, 1, 5), (counters.WriteErrors, counters.Discarded, counters.DiscardedBytes));
    }

    [Fact]
    public void A_file_quiet_for_close_idle_after_flushes_is_closed_not_one_flush_sooner_and_its_next_line_appends()
    {
        var writer = new FileWriter(Limits(null) with { CloseIdleAfterFlushes = 3 }, counters, FileWriter.OpenForAppend, NoLogger.Instance);
        var path = Path.Combine(folder, "quiet.log");
        writer.Append(path, Line("one"), null);
        writer.FlushAll(); // the interval that had the line: not quiet

        writer.FlushAll();
        writer.FlushAll();
        Assert.True(OpenDescriptors.Held(path), "closed after 2 quiet flushes of 3");
        writer.FlushAll();

        Assert.False(OpenDescriptors.Held(path));
        Assert.Equal("one\n", File.ReadAllText(path));
        writer.Append(path, Line("two"), null);
        writer.FlushAll();
        Assert.True(OpenDescriptors.Held(path));
        Assert.Equal("one\ntwo\n", File.ReadAllText(path));
        writer.CloseAll();
        Assert.Equal((2, 0), (counters.Written, counters.Discarded));
    }

    [Fact]
    public void A_line_within_close_idle_after_keeps_the_file_open()
    {
        var writer = new FileWriter(Limits(null) with { CloseIdleAfterFlushes = 2 }, counters, FileWriter.OpenForAppend, NoLogger.Instance);
        var path = Path.Combine(folder, "steady.log");

        for (var i = 0; i < 6; i++)
        {
            writer.Append(path, Line($"line {i}"), null);
            writer.FlushAll();
            writer.FlushAll();
        }

        Assert.True(OpenDescriptors.Held(path));
        writer.CloseAll();
    }

    [Fact]
    public void A_file_renamed_away_is_released_once_idle_and_its_path_starts_afresh()
    {
        var writer = new FileWriter(Limits(null) with { CloseIdleAfterFlushes = 2 }, counters, FileWriter.OpenForAppend, NoLogger.Instance);
        var path = Path.Combine(folder, "rotated.log");
        writer.Append(path, Line("before"), null);
        writer.FlushAll();
        File.Move(path, path + ".1");

        writer.FlushAll();
        Assert.True(OpenDescriptors.Held(path + ".1"));
        writer.FlushAll();

        Assert.False(OpenDescriptors.Held(path + ".1"));
        writer.Append(path, Line("after"), null);
        writer.FlushAll();
        Assert.Equal(("before\n", "after\n"), (File.ReadAllText(path + ".1"), File.ReadAllText(path)));
        writer.CloseAll();
    }

    [Fact]
    public void A_kept_path_stays_open_however_long_it_is_quiet()
    {
        var writer = new FileWriter(Limits(null) with { CloseIdleAfterFlushes = 1 }, counters, FileWriter.OpenForAppend, NoLogger.Instance);
        var path = Path.Combine(folder, "messages");
        writer.Keep(path);

        for (var i = 0; i < 5; i++)
        {
            writer.FlushAll();
        }

        Assert.True(OpenDescriptors.Held(path));
        writer.CloseAll();
    }

    [Fact]
    public void A_quiet_file_whose_writes_fail_stays_open_with_its_lines_until_they_are_written()
    {
        var disk = new FailingStream();
        var writer = new FileWriter(Limits(null) with { CloseIdleAfterFlushes = 1 }, counters, _ => disk, NoLogger.Instance);
        writer.Append(Path.Combine(folder, "full.log"), Line("waiting"), null);

        for (var i = 0; i < 5; i++)
        {
            writer.FlushAll();
        }

        Assert.Equal((0, 0, false), (counters.Written, counters.Discarded, disk.Disposed));
        disk.Fails = false;
        writer.FlushAll();
        Assert.Equal(("waiting\n", true), (Encoding.UTF8.GetString(disk.ToArray()), disk.Disposed));
    }

    public void Dispose() => TempFolder.Delete(folder);

    private static FileWriterLimits Limits(BaseDirectories? confinement) => new("test", 64 * 1024, 1024 * 1024, 64, confinement);

    private FileWriter Writer(BaseDirectories? confinement) => new(Limits(confinement), counters, FileWriter.OpenForAppend, NoLogger.Instance);

    private static StringBuilder Line(string text) => new(text);

    /// <summary>A disk that refuses writes until told otherwise, and tells whether it was closed.</summary>
    private sealed class FailingStream : MemoryStream
    {
        public bool Fails { get; set; } = true;

        public bool Disposed { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Fails)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Fails)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private static Stream Record(List<string> opened, string path)
    {
        opened.Add(path);
        return FileWriter.OpenForAppend(path);
    }
}
