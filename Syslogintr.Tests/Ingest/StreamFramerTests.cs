using System.Text;
using Syslogintr.Ingest.Framing;

namespace Syslogintr.Tests.Ingest;

public sealed class StreamFramerTests
{
    private static List<(string Frame, bool Truncated)> Frame(StreamFramer framer, params string[] chunks)
    {
        var frames = new List<(string, bool)>();
        foreach (var chunk in chunks)
        {
            framer.Push(Encoding.UTF8.GetBytes(chunk), (frame, truncated) => frames.Add((Encoding.UTF8.GetString(frame), truncated)));
        }

        framer.Complete((frame, truncated) => frames.Add((Encoding.UTF8.GetString(frame), truncated)));
        return frames;
    }

    private static List<(string Frame, bool Truncated)> Frame(int max, FramingMode mode, params string[] chunks) =>
        Frame(new StreamFramer(max, mode), chunks);

    [Fact]
    public void Line_feed_frames_with_crlf_and_empty_lines()
    {
        var frames = Frame(1024, FramingMode.Auto, "<13>a\n<13>b\r\n\n\r\n<13>c\n");

        Assert.Equal([("<13>a", false), ("<13>b", false), ("<13>c", false)], frames);
    }

    [Fact]
    public void Octet_counted_frames_may_hold_line_feeds()
    {
        var frames = Frame(1024, FramingMode.Auto, "8 <13>a\nb\n7 <13>xyz");

        Assert.Equal([("<13>a\nb\n", false), ("<13>xyz", false)], frames);
    }

    [Fact]
    public void Auto_detects_the_framing_of_each_frame()
    {
        var frames = Frame(1024, FramingMode.Auto, "5 hello<13>line one\n3 abc\n<13>line two\r\n11 <13>1 - - -");

        Assert.Equal([("hello", false), ("<13>line one", false), ("abc", false), ("<13>line two", false), ("<13>1 - - -", false)], frames);
    }

    [Fact]
    public void Every_split_of_a_mixed_stream_gives_the_same_frames()
    {
        const string Stream = "5 hello<13>line one\r\n12 <13>a\nb\r\nc\r\n\n<13>x\n0 2 ok12345678901234 not a length\nlast";
        var expected = Frame(1024, FramingMode.Auto, Stream);
        Assert.Equal(7, expected.Count);

        for (var split = 0; split <= Stream.Length; split++)
        {
            Assert.Equal(expected, Frame(1024, FramingMode.Auto, Stream[..split], Stream[split..]));
        }

        Assert.Equal(expected, Frame(1024, FramingMode.Auto, [.. Stream.Select(c => c.ToString())]));
    }

    [Fact]
    public void Every_split_of_oversized_frames_gives_the_same_frames()
    {
        const string Stream = "10 0123456789abcd\r\n0123456789\nabcdef\r\nxy\r\n3 abc";
        var expected = Frame(4, FramingMode.Auto, Stream);
        Assert.Equal([("0123", true), ("abcd", false), ("0123", true), ("abcd", true), ("xy", false), ("abc", false)], expected);

        for (var split = 0; split <= Stream.Length; split++)
        {
            Assert.Equal(expected, Frame(4, FramingMode.Auto, Stream[..split], Stream[split..]));
        }

        Assert.Equal(expected, Frame(4, FramingMode.Auto, [.. Stream.Select(c => c.ToString())]));
    }

    [Fact]
    public void Oversized_frames_are_cut_counted_and_the_rest_skipped()
    {
        var framer = new StreamFramer(4);

        var frames = Frame(framer, "10 0123456789", "2 ok", "abcdefgh\nxy\n");

        Assert.Equal([("0123", true), ("ok", false), ("abcd", true), ("xy", false)], frames);
        Assert.Equal(2, framer.OversizedFrames);
        Assert.Equal(0, framer.FramingErrors);
    }

    [Fact]
    public void Absurd_length_prefix_is_read_as_a_line_and_never_allocates_the_declared_size()
    {
        var framer = new StreamFramer(16);
        var frames = new List<(string, bool)>();
        var before = GC.GetAllocatedBytesForCurrentThread();

        framer.Push("99999999999 "u8, (f, t) => frames.Add((Encoding.ASCII.GetString(f), t)));
        var chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)'x');
        for (var i = 0; i < 64; i++)
        {
            framer.Push(chunk, (f, t) => frames.Add((Encoding.ASCII.GetString(f), t)));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal([("99999999999 xxxx", true)], frames);
        Assert.True(allocated < 200_000, $"allocated {allocated} bytes");
        Assert.Equal(1, framer.OversizedFrames);
        Assert.Equal(1, framer.FramingErrors);

        framer.Complete((_, _) => Assert.Fail("nothing left to deliver"));
        Assert.Equal(0, framer.AbortedFrames); // a line without LF at the end is a line
    }

    [Fact]
    public void An_untrusted_length_is_a_framing_error_and_the_frames_after_the_next_lf_all_arrive()
    {
        var framer = new StreamFramer(1024);

        var frames = Frame(framer, "999999999999 <13>stray\n<13>a\n5 <13>b<13>c\n");

        Assert.Equal([("999999999999 <13>stray", false), ("<13>a", false), ("<13>b", false), ("<13>c", false)], frames);
        Assert.Equal(1, framer.FramingErrors);
    }

    [Theory]
    [InlineData(1024 * StreamFramer.TrustedLengthFactor, false)]
    [InlineData((1024 * StreamFramer.TrustedLengthFactor) + 1, true)]
    public void Lengths_up_to_the_trusted_bound_are_cut_and_longer_ones_read_as_lines(int length, bool framingError)
    {
        var framer = new StreamFramer(1024);

        var frames = Frame(framer, $"{length} {new string('x', length)}3 end");

        Assert.Equal(framingError ? 1 : 0, framer.FramingErrors);
        Assert.Equal(framingError ? Array.Empty<string>() : ["end"], frames.Skip(1).Select(f => f.Frame));
        Assert.True(frames[0].Truncated);
    }

    [Fact]
    public void Declared_count_is_skipped_exactly()
    {
        var framer = new StreamFramer(4);
        var skipped = new string('z', 60);

        var frames = Frame(framer, "64 abcd" + skipped + "3 end");

        Assert.Equal([("abcd", true), ("end", false)], frames);
    }

    [Theory]
    [InlineData("1234567890123 too many digits\n", "1234567890123 too many digits")]
    [InlineData("12abc\n", "12abc")]
    [InlineData("2026-11-29 a dated line\n", "2026-11-29 a dated line")]
    [InlineData("42\n", "42")]
    [InlineData("42", "42")]
    public void Unparsable_length_prefix_is_read_as_a_line(string stream, string expected)
    {
        var framer = new StreamFramer(1024);

        Assert.Equal([(expected, false)], Frame(framer, stream));
        Assert.Equal(0, framer.FramingErrors);
    }

    [Fact]
    public void Zero_length_frame_is_counted_invalid_and_skipped()
    {
        var framer = new StreamFramer(1024);

        Assert.Equal([("abc", false)], Frame(framer, "0 3 abc"));
        Assert.Equal(1, framer.FramingErrors);
    }

    [Fact]
    public void Octet_counting_mode_counts_frames_without_a_length()
    {
        var framer = new StreamFramer(1024, FramingMode.OctetCounting);

        var frames = Frame(framer, "3 abc<13>no length\n5x oops\n");

        Assert.Equal([("abc", false), ("<13>no length", false), ("5x oops", false)], frames);
        Assert.Equal(2, framer.FramingErrors);
    }

    [Fact]
    public void Line_feed_mode_never_reads_a_length()
    {
        Assert.Equal([("5 hello", false), ("12 x", false)], Frame(1024, FramingMode.LineFeed, "5 hello\n12 x\n"));
    }

    [Fact]
    public void End_of_stream_delivers_the_last_unterminated_line()
    {
        Assert.Equal([("a", false), ("last", false)], Frame(1024, FramingMode.Auto, "a\nla", "st\r"));
    }

    [Fact]
    public void End_of_stream_inside_an_octet_counted_frame_delivers_what_came_as_truncated()
    {
        var framer = new StreamFramer(1024);

        Assert.Equal([("<13>par", true)], Frame(framer, "20 <13>par"));
        Assert.Equal(1, framer.AbortedFrames);
        Assert.Equal(0, framer.FramingErrors);
    }

    [Theory]
    [InlineData("<13>a\n<13>par", "<13>par")]
    [InlineData("<13>a\n20 <13>par", "<13>par")]
    [InlineData("<13>a\n42", "42")]
    public void An_abnormal_end_aborts_the_frame_in_progress_of_either_framing(string stream, string partial)
    {
        var framer = new StreamFramer(1024);
        var frames = new List<(string, bool)>();
        FrameHandler collect = (f, t) => frames.Add((Encoding.ASCII.GetString(f), t));

        framer.Push(Encoding.ASCII.GetBytes(stream), collect);
        Assert.True(framer.InFrame);
        framer.Abort(collect);

        Assert.Equal([("<13>a", false), (partial, true)], frames);
        Assert.Equal(1, framer.AbortedFrames);
        Assert.False(framer.InFrame);
    }

    [Fact]
    public void An_abnormal_end_between_frames_aborts_nothing()
    {
        var framer = new StreamFramer(1024);

        framer.Push("<13>a\n3 abc"u8, (_, _) => { });
        Assert.False(framer.InFrame);
        framer.Abort((_, _) => Assert.Fail("nothing to deliver"));

        Assert.Equal(0, framer.AbortedFrames);
    }

    [Fact]
    public void Line_of_exactly_the_maximum_with_crlf_is_not_truncated()
    {
        var framer = new StreamFramer(4);

        Assert.Equal([("abcd", false), ("efgh", false)], Frame(framer, "abcd\r", "\nefgh\r\n"));
        Assert.Equal(0, framer.OversizedFrames);
    }

    [Fact]
    public void Frames_that_fit_in_one_read_are_delivered_from_the_callers_buffer()
    {
        var framer = new StreamFramer(1024);
        var data = "5 hello<13>line\n"u8.ToArray();
        var fromCaller = 0;

        framer.Push(data, (frame, _) =>
        {
            if (data.AsSpan().Overlaps(frame))
            {
                fromCaller++;
            }
        });

        Assert.Equal(2, fromCaller);
    }
}
