using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Original;

/// <summary>
/// The original's scripts that print to stdout or only use the hooks (debug, sys, minsys, realtime, realtimeraw,
/// status) run unchanged under the original's command line, fed over the unix socket and UDP: each prints what it
/// prints under the original for the message sent, and the node's own diagnostics never mix into that stdout.
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed partial class StdoutScriptTests
{
    private static readonly string LuaLib = Path.Combine(Repository.Root, "rules", "lib");

    [OriginalScriptFact]
    public async Task Debug_lua_dumps_every_field_as_the_original_defines_it()
    {
        await using var run = await StartAsync("debug.lua");
        using var udp = new Sender(run);
        var sentAt = DateTime.Now;

        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.warning", "-t", "myprog", "--id=4242", "hello over the unix socket");
        await WaitForStdoutAsync(run, o => Dumps(o).Count == 1, "the first dump");
        var header = sentAt.AddMinutes(-5);
        udp.Send($"<78>{Rfc3164(header)} cronprog[77]: hello over UDP");
        var dumps = Dumps(await WaitForStdoutAsync(run, o => Dumps(o).Count(d => d.ContainsKey("msg")) == 2, "both dumps"));

        var local = dumps[0];
        Assert.Matches(@"^<84>\w{3} [ \d]\d \d\d:\d\d:\d\d myprog\[4242\]: hello over the unix socket$", local["_RAW"]);
        Assert.Equal(
            ["0", OriginalScriptRun.Socket, "", "-1", OriginalScriptRun.Socket, "-1", "false", "myprog", "4242", "auth2", "warn", "hello over the unix socket"],
            [local["version"], local["host"], local["relay"], local["port"], local["localaddr"], local["localport"], local["remote"], local["program"], local["pid"], local["facility"], local["level"], local["msg"]]);
        AssertAbout(sentAt, local["timestamp"]);
        AssertAbout(sentAt, local["logtimestamp"]);

        var remote = dumps[1];
        Assert.Equal(
            [$"<78>{Rfc3164(header)} cronprog[77]: hello over UDP", "0", "127.0.0.1", "", udp.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1", "514", "true", CTime(header), "cronprog", "77", "cron1", "info", "hello over UDP"],
            [remote["_RAW"], remote["version"], remote["host"], remote["relay"], remote["port"], remote["localaddr"], remote["localport"], remote["remote"], remote["logtimestamp"], remote["program"], remote["pid"], remote["facility"], remote["level"], remote["msg"]]);
        AssertAbout(sentAt, remote["timestamp"]);
        await run.StopCleanlyAsync();
    }

    [OriginalScriptFact]
    public async Task Sys_lua_prints_sender_facility_level_program_pid_and_message_as_the_original()
    {
        await using var run = await StartAsync("sys.lua");
        using var udp = new Sender(run);
        var sentAt = DateTime.Now;

        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.warning", "-t", "myprog", "--id=4242", "hello over the unix socket");
        udp.Send($"<78>{Rfc3164(sentAt.AddMinutes(-5))} cronprog[77]: hello over UDP");
        // sys.lua never flushes stdout, so (as under the original, whose stdio buffers a pipe) its lines come out
        // when the node exits. Both datagrams are in the node's sockets; a second is ample for it to read them.
        await Task.Delay(1000);
        var exitCode = await run.StopAsync();

        // The original's sys.lua misspells logtimestamp: its "Log-time" is always now, here as there.
        // One block per message, in the order the node took them from its two sockets.
        var blocks = string.Join('\n', run.Output.Stdout).Split("From: ", StringSplitOptions.RemoveEmptyEntries).Where(b => !b.TrimStart().StartsWith("(internal)", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Matches($@"^{Regex.Escape(OriginalScriptRun.Socket)}\n\s+Facility: auth2\n\s+Level:    warn\n\s+Time:     .+\n\s+Log-time: .+\n\s+Program:  myprog\n\s+PID:      4242\n\s+Msg:      hello over the unix socket\n", Assert.Single(blocks, b => b.StartsWith(OriginalScriptRun.Socket, StringComparison.Ordinal)));
        var remote = Regex.Match(
            Assert.Single(blocks, b => b.StartsWith("      127.0.0.1:", StringComparison.Ordinal)),
            $@"^      127\.0\.0\.1:{udp.Port}\n\s+Facility: cron1\n\s+Level:    info\n\s+Time:     (.+)\n\s+Log-time: (.+)\n\s+Program:  cronprog\n\s+PID:      77\n\s+Msg:      hello over UDP\n");
        Assert.True(remote.Success, string.Join('\n', blocks));
        AssertAbout(sentAt, remote.Groups[1].Value);
        AssertAbout(sentAt, remote.Groups[2].Value); // now, not the header's time 5 minutes back
        Assert.True(exitCode == 0, $"the node exited {exitCode} on SIGTERM:\n{run.Output.All}");
    }

    [OriginalScriptFact]
    public async Task Minsys_lua_hooks_fail_with_the_originals_own_error_and_the_node_goes_on_delivering()
    {
        await using var run = await StartAsync("minsys.lua");
        using var udp = new Sender(run);
        // minsys.lua's hooks log{} a table without pid, so its string.format("[%d]", msg.pid) raises: what Lua
        // itself (Debian's lua5.4, running the same file) says for it is what we must report.
        var oracle = await RunLuaAsync($"script = 'minsys' dofile('{Path.Combine(OriginalScriptRun.Data, "minsys.lua")}') local ok, e = pcall(reload_signal) io.write(tostring(e))");
        Assert.Contains("bad argument", oracle);

        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-t", "myprog", "--id=4242", "before the signal");
        await WaitForStdoutAsync(run, o => o.Any(l => l.EndsWith($" {OriginalScriptRun.Socket} myprog[4242]: before the signal", StringComparison.Ordinal)), "the first message");
        run.Signal(1); // SIGHUP: reload_signal()
        await WaitForAsync(() => run.Output.Stderr.Any(l => l.Contains($"Lua error in reload_signal(): {oracle}", StringComparison.Ordinal)), $"the error '{oracle}' on stderr", run);
        udp.Send($"<13>{Rfc3164(DateTime.Now)} cronprog[77]: after the signal");
        var stdout = ScriptLines(await WaitForStdoutAsync(run, o => o.Any(l => l.EndsWith(" 127.0.0.1 cronprog[77]: after the signal", StringComparison.Ordinal)), "the message after the error"));

        Assert.All(stdout, l => Assert.Matches(@"^\w{3} \d\d \d\d:\d\d:\d\d \S+ \w+\[\d+\]: \w+ the signal$", l));
        Assert.Equal(2, stdout.Count);
        await run.StopCleanlyAsync();
    }

    [OriginalScriptFact]
    public async Task Realtime_lua_prints_one_colour_coded_line_per_message_and_nothing_else()
    {
        // local0 at each level in turn, over UDP; then user.notice over the unix socket.
        var messages = Levels.Select((level, i) => $"<{(16 * 8) + i}>{Rfc3164(DateTime.Now)} app{i}[{i + 1}]: {level} message").ToList();
        var expected = await OracleLinesAsync("realtime.lua", Levels.Select((level, i) => $"{{ host = '127.0.0.1', program = 'app{i}', facility = 'local0', level = '{level}', msg = '{level} message' }}")
            .Append($"{{ host = '{OriginalScriptRun.Socket}', program = 'myprog', facility = 'user', level = 'notice', msg = 'over the unix socket' }}"));

        var stdout = await RunAndFeedAsync("realtime.lua", messages, $"<13>{Rfc3164(DateTime.Now)} myprog[4242]: over the unix socket");

        Assert.Equal(expected, stdout);
        Assert.StartsWith("\e[0;31m      127.0.0.1 app3            local0    err \e[1;39m\e(0x\e(B\e[0;31m err message", stdout[3]);
    }

    [OriginalScriptFact]
    public async Task Realtimeraw_lua_prints_each_raw_message_colour_coded_and_nothing_else()
    {
        var messages = Levels.Select((level, i) => $"<{(16 * 8) + i}>{Rfc3164(DateTime.Now)} app{i}[{i + 1}]: {level} message").ToList();
        var local = $"<13>{Rfc3164(DateTime.Now)} myprog[4242]: over the unix socket";
        var expected = await OracleLinesAsync("realtimeraw.lua", messages.Select((m, i) => $"{{ host = '127.0.0.1', level = '{Levels[i]}', _RAW = '{m}' }}")
            .Append($"{{ host = '{OriginalScriptRun.Socket}', level = 'notice', _RAW = '{local}' }}"));

        var stdout = await RunAndFeedAsync("realtimeraw.lua", messages, local);

        Assert.Equal(expected, stdout);
        Assert.Equal($"\e[1;31m      127.0.0.1 \e[1;39m|\e[1;31m {messages[0]}", stdout[0]);
    }

    [OriginalScriptFact]
    public async Task Status_lua_draws_its_screen_with_the_counts_on_stdout()
    {
        await using var run = await StartAsync("status.lua");
        using var udp = new Sender(run);

        udp.Send($"<131>{Rfc3164(DateTime.Now)} disk[1]: on fire");
        udp.Send($"<131>{Rfc3164(DateTime.Now)} disk[1]: still on fire");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.info", "-t", "myprog", "all is well");
        // The screen has no newline to wait for: the script's every move and write is flushed, so the last count
        // is on the pipe; stopping the node ends the stream.
        await Task.Delay(1000);
        var exitCode = await run.StopAsync();
        var screen = Screen.Render(string.Join('\n', run.Output.Stdout));

        Assert.Equal("     emerg     alert      crit       err      warn    notice      info     debug", screen.Row(1));
        Assert.Equal("         -         -         -         2         -         -         1         -", screen.Row(2));
        Assert.Equal("         1", screen.Row(5)[10..20]); // user
        Assert.Equal("         2", screen.Row(9)[..10]); // local0
        Assert.Equal("      127.0.0.1 still on fire", screen.Row(14).TrimEnd());
        Assert.Equal($"{OriginalScriptRun.Socket} all is well", screen.Row(17).TrimEnd());
        Assert.Equal($"       127.0.0.1 {OriginalScriptRun.Socket}", screen.Row(20).TrimEnd());
        Assert.Equal("               2               1", screen.Row(21).TrimEnd());
        Assert.Matches(@"^Messages: 3 +Hosts: 2 +Memory: \d+ +Time: +00:0\d$", screen.Row(24).TrimEnd());
        Assert.True(exitCode == 0, $"the node exited {exitCode} on SIGTERM:\n{run.Output.All}");
    }

    private static readonly string[] Levels = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

    private static async Task<OriginalScriptRun> StartAsync(string script)
    {
        var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup());
        try
        {
            await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "-p", OriginalScriptRun.LuaPath, script);
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="script"/>, sends <paramref name="udp"/> in order over UDP and then <paramref name="local"/> over the unix socket; the whole stdout, one line per message sent.</summary>
    private static async Task<IReadOnlyList<string>> RunAndFeedAsync(string script, IEnumerable<string> udp, string local)
    {
        await using var run = await StartAsync(script);
        using var sender = new Sender(run);
        var count = 0;
        foreach (var message in udp)
        {
            sender.Send(message);
            count++;
        }

        await WaitForStdoutAsync(run, o => ScriptLines(o).Count == count, $"{count} lines");
        sender.SendLocal(local);
        var stdout = ScriptLines(await WaitForStdoutAsync(run, o => ScriptLines(o).Count == count + 1, $"{count + 1} lines"));
        await run.StopCleanlyAsync();
        Assert.Equal(stdout, ScriptLines(run.Output.Stdout)); // nothing more came, not even at the stop
        return stdout;
    }

    /// <summary>stdout but the lines the script printed for internal messages (the original logs its own through log() too).</summary>
    private static List<string> ScriptLines(IEnumerable<string> stdout) => [.. stdout.Where(l => !l.Contains(" (internal) ", StringComparison.Ordinal))];

    /// <summary>What <paramref name="script"/>'s log() prints under Debian's lua5.4, with the colortty stand-in, for each message table.</summary>
    private static async Task<IReadOnlyList<string>> OracleLinesAsync(string script, IEnumerable<string> tables)
    {
        var calls = string.Concat(tables.Select(t => $"log{t}\n"));
        var output = await RunLuaAsync($"package.path = '{LuaLib}/?.lua;' .. package.path dofile('{Path.Combine(OriginalScriptRun.Data, script)}')\n{calls}");
        return output.Split('\n')[..^1];
    }

    /// <summary>Runs Lua code in Debian's standalone lua5.4 (the oracle) and returns its stdout; a failure fails the test.</summary>
    private static async Task<string> RunLuaAsync(string code)
    {
        var start = new ProcessStartInfo("lua5.4") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-");
        using var lua = Process.Start(start)!;
        await lua.StandardInput.WriteAsync(code);
        lua.StandardInput.Close();
        var output = await lua.StandardOutput.ReadToEndAsync();
        var error = await lua.StandardError.ReadToEndAsync();
        await lua.WaitForExitAsync();
        Assert.True(lua.ExitCode == 0, $"lua5.4 failed: {error}");
        return output;
    }

    private static async Task<List<string>> WaitForStdoutAsync(OriginalScriptRun run, Func<List<string>, bool> done, string what)
    {
        List<string> stdout = [];
        await WaitForAsync(() => done(stdout = [.. run.Output.Stdout]), what, run);
        return stdout;
    }

    private static async Task WaitForAsync(Func<bool> done, string what, OriginalScriptRun run)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what}; the node's output:\n{run.Output.All}");
            await Task.Delay(50);
        }
    }

    /// <summary>debug.lua's dumps ("Request:" then "        key = value" lines), but those of internal messages (the original logs its own through log() too).</summary>
    private static List<Dictionary<string, string>> Dumps(IEnumerable<string> stdout) =>
        [.. AllDumps(stdout).Where(d => !d.TryGetValue("host", out var host) || host != "(internal)")];

    private static List<Dictionary<string, string>> AllDumps(IEnumerable<string> stdout)
    {
        var dumps = new List<Dictionary<string, string>>();
        foreach (var line in stdout)
        {
            if (line == "Request:")
            {
                dumps.Add([]);
            }
            else if (DumpLine().Match(line) is { Success: true } field)
            {
                dumps[^1][field.Groups[1].Value] = field.Groups[2].Value;
            }
        }

        return dumps;
    }

    [GeneratedRegex(@"^\s+(\w+)\s+= (.*)$")]
    private static partial Regex DumpLine();

    /// <summary>os.date("%c") in the C locale.</summary>
    private static string CTime(DateTime time) =>
        time.ToString("ddd MMM ", CultureInfo.InvariantCulture) + $"{time.Day,2} " + time.ToString("HH:mm:ss yyyy", CultureInfo.InvariantCulture);

    private static void AssertAbout(DateTime expected, string cTime)
    {
        var seen = DateTime.ParseExact(Regex.Replace(cTime, " +", " "), "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture);
        Assert.True(Math.Abs((seen - expected).TotalSeconds) < 10, $"{cTime} is not about {CTime(expected)}");
    }

    private static string Rfc3164(DateTime time) =>
        time.ToString("MMM ", CultureInfo.InvariantCulture) + $"{time.Day,2} " + time.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Datagrams to the node: over UDP from a socket inside its network namespace (its port known), and on its unix socket.</summary>
    private sealed class Sender(OriginalScriptRun run) : IDisposable
    {
        private readonly Socket udp = NetworkNamespace.Inside(run.NodePid, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return socket;
        });

        public int Port => ((IPEndPoint)udp.LocalEndPoint!).Port;

        public void Send(string datagram) => udp.SendTo(Encoding.ASCII.GetBytes(datagram), new IPEndPoint(IPAddress.Loopback, 514));

        public void Dispose() => udp.Dispose();

        public void SendLocal(string datagram)
        {
            using var local = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            local.SendTo(Encoding.ASCII.GetBytes(datagram), new UnixDomainSocketEndPoint($"/proc/{run.NodePid}/root{OriginalScriptRun.Socket}"));
        }
    }

    /// <summary>A terminal's screen after ANSI output: cursor moves (CSI row;col H), clear (CSI 2J), erase to the end of the line (CSI K); colours and modes ignored.</summary>
    private sealed class Screen
    {
        private readonly Dictionary<int, StringBuilder> rows = [];

        public string Row(int row) => rows.TryGetValue(row, out var text) ? text.ToString() : "";

        public static Screen Render(string output)
        {
            var screen = new Screen();
            int row = 1, column = 1;
            for (var i = 0; i < output.Length; i++)
            {
                if (output[i] == '\e' && i + 1 < output.Length && output[i + 1] == '[')
                {
                    var end = i + 2;
                    while (end < output.Length && output[end] is < '@' or > '~')
                    {
                        end++;
                    }

                    var parameters = output[(i + 2)..end].Split(';');
                    switch (output[end])
                    {
                        case 'H':
                            row = parameters[0].Length > 0 ? int.Parse(parameters[0], CultureInfo.InvariantCulture) : 1;
                            column = parameters.Length > 1 ? int.Parse(parameters[1], CultureInfo.InvariantCulture) : 1;
                            break;
                        case 'J':
                            screen.rows.Clear();
                            break;
                        case 'K':
                            var line = screen.Line(row);
                            line.Length = Math.Min(line.Length, column - 1);
                            break;
                    }

                    i = end;
                }
                else if (output[i] == '\e')
                {
                    i += output[i + 1] == '(' ? 2 : 1; // a character set selection (ESC ( x) or another two-byte sequence
                }
                else if (output[i] == '\n')
                {
                    row++;
                    column = 1;
                }
                else
                {
                    var line = screen.Line(row);
                    while (line.Length < column)
                    {
                        line.Append(' ');
                    }

                    line[column - 1] = output[i];
                    column++;
                }
            }

            return screen;
        }

        private StringBuilder Line(int row) => rows.TryGetValue(row, out var line) ? line : rows[row] = new StringBuilder();
    }
}
