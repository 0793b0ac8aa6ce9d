using System.CommandLine;
using System.Text;
using System.Text.Json;
using Syslogintr.Node.Commands;

namespace Syslogintr.Tests.Ingest;

/// <summary><c>syslogintr parse</c>, run in process on in-memory stdin and stdout.</summary>
public sealed class ParseCommandTests
{
    private static readonly string[] Keys =
        ["pri", "facility", "severity", "version", "timestamp", "hostname", "app_name", "procid", "msgid", "structured_data", "msg", "format", "valid", "error"];

    private static (int ExitCode, List<JsonElement> Lines) Run(string stdin, params string[] args)
    {
        var output = new MemoryStream();
        var root = new RootCommand();
        root.Subcommands.Add(ParseCommand.Create(() => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), () => output));
        var exitCode = root.Parse(["parse", .. args]).Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });
        var text = Encoding.UTF8.GetString(output.ToArray());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.True(text.Length == 0 || text.EndsWith('\n'));
        return (exitCode, lines);
    }

    [Fact]
    public void Prints_one_json_object_per_line_with_exactly_the_documented_keys()
    {
        var (exitCode, lines) = Run(
            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"][examplePriority@32473 class=\"high\"] \uFEFFAn entry\n" +
            "<13>Mar  6 16:57:54 sshd[123]: Failed password\r\n" +
            "<999>x\n");

        Assert.Equal(0, exitCode);
        Assert.Equal(3, lines.Count);
        foreach (var line in lines)
        {
            Assert.Equal(Keys, line.EnumerateObject().Select(p => p.Name));
        }

        var rfc5424 = lines[0];
        Assert.Equal(165, rfc5424.GetProperty("pri").GetInt32());
        Assert.Equal("local4", rfc5424.GetProperty("facility").GetString());
        Assert.Equal("notice", rfc5424.GetProperty("severity").GetString());
        Assert.Equal(1, rfc5424.GetProperty("version").GetInt32());
        Assert.Equal("2003-10-11T22:14:15.003+00:00", rfc5424.GetProperty("timestamp").GetString());
        Assert.Equal("mymachine.example.com", rfc5424.GetProperty("hostname").GetString());
        Assert.Equal("evntslog", rfc5424.GetProperty("app_name").GetString());
        Assert.Equal(JsonValueKind.Null, rfc5424.GetProperty("procid").ValueKind);
        Assert.Equal("ID47", rfc5424.GetProperty("msgid").GetString());
        Assert.Equal(
            """{"exampleSDID@32473":{"iut":"3","eventSource":"Application"},"examplePriority@32473":{"class":"high"}}""",
            rfc5424.GetProperty("structured_data").GetRawText());
        Assert.Equal("An entry", rfc5424.GetProperty("msg").GetString());
        Assert.Equal("rfc5424", rfc5424.GetProperty("format").GetString());
        Assert.True(rfc5424.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKind.Null, rfc5424.GetProperty("error").ValueKind);

        var rfc3164 = lines[1];
        Assert.Equal(13, rfc3164.GetProperty("pri").GetInt32());
        Assert.Equal("user", rfc3164.GetProperty("facility").GetString());
        Assert.Equal(0, rfc3164.GetProperty("version").GetInt32());
        Assert.Matches(@"^\d{4}-03-06T16:57:54[+-]\d\d:\d\d$", rfc3164.GetProperty("timestamp").GetString());
        Assert.Equal(JsonValueKind.Null, rfc3164.GetProperty("hostname").ValueKind); // none sent: none shown
        Assert.Equal("sshd", rfc3164.GetProperty("app_name").GetString());
        Assert.Equal("123", rfc3164.GetProperty("procid").GetString());
        Assert.Equal(JsonValueKind.Null, rfc3164.GetProperty("structured_data").ValueKind);
        Assert.Equal("Failed password", rfc3164.GetProperty("msg").GetString());
        Assert.Equal("rfc3164", rfc3164.GetProperty("format").GetString());

        var unknown = lines[2];
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("pri").ValueKind);
        Assert.Equal("user", unknown.GetProperty("facility").GetString());
        Assert.Equal("notice", unknown.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("timestamp").ValueKind);
        Assert.Equal("<999>x", unknown.GetProperty("msg").GetString());
        Assert.Equal("unknown", unknown.GetProperty("format").GetString());
        Assert.False(unknown.GetProperty("valid").GetBoolean());
        Assert.Equal("PRI value 999 out of range", unknown.GetProperty("error").GetString());
    }

    [Fact]
    public void Octet_framing_keeps_newlines_inside_messages()
    {
        var (exitCode, lines) = Run("25 <14>1 - h a - - - one\ntwo\n17 <14>1 - h a - - -", "--framing", "octet");

        Assert.Equal(0, exitCode);
        Assert.Equal(2, lines.Count);
        Assert.Equal("one\ntwo", lines[0].GetProperty("msg").GetString());
        Assert.Equal("", lines[1].GetProperty("msg").GetString());
        Assert.Equal("info", lines[1].GetProperty("severity").GetString());
    }

    [Fact]
    public void Line_framing_is_the_default_and_reads_a_last_line_without_newline()
    {
        var (_, lines) = Run("12 not a length\nno pri at all");

        Assert.Equal(["12 not a length", "no pri at all"], lines.Select(l => l.GetProperty("msg").GetString()));
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Null, l.GetProperty("pri").ValueKind));
    }

    [Theory]
    [InlineData("<13>a\n\n\r\n<13>b\n", "lf", "ab")]
    [InlineData("5 <13>a0 5 <13>b", "octet", "ab")]
    [InlineData("5 <13>a\n0 \n5 <13>b\n", "octet", "ab")]
    [InlineData("0 ", "octet", "")]
    [InlineData("\n", "lf", "")]
    public void An_empty_frame_is_one_invalid_line_so_that_one_frame_in_is_one_line_out(string stdin, string framing, string messages)
    {
        var (exitCode, lines) = Run(stdin, "--framing", framing);

        Assert.Equal(0, exitCode);
        var empty = lines.Where(l => l.GetProperty("msg").GetString() is "").ToList();
        Assert.Equal(messages.Length, lines.Count - empty.Count);
        Assert.Equal(framing == "lf" && messages.Length > 0 ? 2 : 1, empty.Count);
        Assert.All(empty, l => Assert.Equal((false, "empty message"), (l.GetProperty("valid").GetBoolean(), l.GetProperty("error").GetString())));
        Assert.Equal(messages, string.Concat(lines.Select(l => l.GetProperty("msg").GetString())));
    }

    [Fact]
    public void Empty_input_prints_nothing()
    {
        var (exitCode, lines) = Run("");

        Assert.Equal(0, exitCode);
        Assert.Empty(lines);
    }

    [Fact]
    public void Unknown_framing_is_refused()
    {
        var (exitCode, lines) = Run("<13>x\n", "--framing", "nul");

        Assert.NotEqual(0, exitCode);
        Assert.Empty(lines);
    }
}
