using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Original;

/// <summary>relay.lua: a local copy of every message in /tmp/log, in the author's column format, and everything relayed to lucy.roswell.conman.org.</summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed class RelayScriptTests
{
    [OriginalScriptFact]
    public async Task Relay_keeps_a_columned_copy_in_tmp_log_and_relays_every_message()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup
        {
            Hosts = new Dictionary<string, string> { ["lucy.roswell.conman.org"] = "127.0.0.5" },
        });
        var lucy = run.Receive("127.0.0.5");
        await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "relay.lua");

        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "daemon.warning", "-t", "named", "--id=53", "lame server resolving 'example.org'");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.debug", "-t", "a-program-name-longer-than-25-characters", "debug is copied too");

        await lucy.WaitForAsync(d => d.Contains("debug is copied too"), "of the local message");
        await lucy.WaitForAsync(d => d.Contains("lame server"), "of the UDP message");
        Assert.Contains(lucy.Datagrams, d => Regex.IsMatch(d, @"^<28>\S+ +\S+ \S+ client named\[53\]: lame server resolving 'example\.org'$"));
        Assert.Contains(lucy.Datagrams, d => Regex.IsMatch(d, @"^<15>\S+ +\S+ \S+ a-program-name-longer-than-25-characters: debug is copied too$"));

        var lines = await run.WaitForLinesAsync("/tmp/log", l => l.Length == 2, "two lines");
        // "%15.15s | %-25.25s | %-8s %6s | %c | msg": the original cuts the host (here the socket path) to 15
        // characters and the program to 25, and names the level 'warn'. (Two sockets: either may be read first,
        // under the original's poll() too.)
        Assert.Single(lines, l => Regex.IsMatch(l, @"^      127\.0\.0\.1 \| named                     \| daemon     warn \| .+ \| lame server resolving 'example\.org'$"));
        Assert.Single(lines, l => Regex.IsMatch(l, @"^/run/original/l \| a-program-name-longer-tha \| user      debug \| .+ \| debug is copied too$"));
        // Every message, whichever socket it came in on, one line each and one relay each.
        for (var i = 0; i < 10; i++)
        {
            await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "user.info", "-t", "burst", $"udp {i}");
            await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.info", "-t", "burst", $"unix {i}");
        }

        await lucy.WaitForAsync(d => d.EndsWith("burst: unix 9", StringComparison.Ordinal), "of the last of the burst");
        await lucy.WaitForAsync(d => d.EndsWith("burst: udp 9", StringComparison.Ordinal), "of the last of the burst over UDP");
        lines = await run.WaitForLinesAsync("/tmp/log", l => l.Length == 22, "22 lines");
        Assert.Equal(20, lines.Count(l => l.Contains("| burst ", StringComparison.Ordinal)));
        Assert.Equal(22, lucy.Datagrams.Count);

        // Nothing the script does not write: no default file sink, here or under the node's folder.
        Assert.Null(run.ReadFile("/var/log/messages"));
        Assert.Null(run.ReadFile(OriginalScriptRun.Run + "/var/log/messages"));
        await run.StopAsync();
    }
}
