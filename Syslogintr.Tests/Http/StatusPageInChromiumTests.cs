using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Syslogintr.Tests.Alerts.Mail;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Http;

/// <summary>
/// The status page as an operator sees it: a whole node over real HTTP, opened in headless Chromium, its DOM read
/// after the page's script rendered <c>/api/status</c>. Set <c>SYSLOGINTR_SCREENSHOTS</c> to a folder to keep the
/// desktop screenshot there as <c>status-page.png</c> (docs/make-screenshot.sh does).
/// </summary>
public sealed class StatusPageInChromiumTests
{
    private const int PhoneWidth = 390;
    private const int PhoneHeight = 844;
    private const int DesktopWidth = 1280;
    private const int DesktopHeight = 1000;

    [Fact]
    public async Task Chromium_shows_the_down_probe_with_its_detail_the_alert_and_when_it_was_mailed_and_the_ban_with_its_expiry()
    {
        var folder = TempFolder.Create();
        try
        {
            var script = Path.Combine(folder, "sshd.lua");
            await File.WriteAllTextAsync(script, "function log(msg) ban { ip = '192.0.2.7', seconds = 3600, reason = 'failed password: ' .. msg.msg } end\n");
            var pidFile = Path.Combine(folder, "named.pid"); // never written: the daemon "crashed"
            using var smtp = new TestSmtpServer();
            await using var node = await TestNode.StartAsync($$"""
                syslogintr {
                  http { enabled = true, bind = "127.0.0.1:0" }
                  rules.sshd { script = "{{script}}", match.program = [sshd] }
                  probes.named { kind = pidfile, path = "{{pidFile}}", every = 1h, timeout = 1s, jitter = 0s }
                  alerts { group-window = 0s, state-file = "{{folder}}/alerts.json" }
                  ban.state-file = "{{folder}}/bans.json"
                  mail {
                    smtp { host = "127.0.0.1", port = {{smtp.Port}}, timeout = 5s }
                    outbox = "{{folder}}/outbox"
                  }
                }
                """);
            using (var udp = new UdpClient())
            {
                var line = Encoding.ASCII.GetBytes("<38>Oct 11 22:14:15 host sshd[4711]: Failed password for root from 192.0.2.7 port 2222 ssh2");
                await udp.SendAsync(line, new IPEndPoint(IPAddress.Loopback, node.Port));
            }

            var page = new Uri($"http://{node.Http.Address}/");
            await WaitUntilShownAsync(page, smtp);

            var dom = await HeadlessChromium.DumpDomAsync(page, DesktopWidth, DesktopHeight);
            Assert.Contains(">attention<", dom);
            var summary = Regex.Match(dom, """<div id="summary">(.*?)</div>""", RegexOptions.Singleline).Groups[1].Value;
            Assert.Equal(
                ["3 listeners bound", "1 of 1 probe down", "1 active alert", "1 ban", "0 dropped", "0 rule errors", "outbox empty"],
                Regex.Matches(summary, "<span[^>]*>(.*?)</span>").Select(m => Text(m.Groups[1].Value)));

            var probe = Assert.Single(Rows(dom, "probes"));
            Assert.Contains("badge down", probe);
            Assert.Equal("named", Cell(probe, "probe"));
            Assert.Matches(@"^for \d+ s$", Cell(probe, "state"));
            Assert.Equal($"pid file {pidFile} is missing (crash?)", Cell(probe, "detail"));

            var alert = Assert.Single(Rows(dom, "alerts"));
            Assert.Equal("named is down", Cell(alert, "subject"));
            Assert.Matches(@"^\d+ s ago$", Cell(alert, "raised"));
            Assert.Matches(@"^\d+ s ago$", Cell(alert, "mailed"));

            var ban = Assert.Single(Rows(dom, "bans"));
            Assert.Equal("192.0.2.7", Cell(ban, "address"));
            Assert.Equal("in 59 min", Cell(ban, "expires"));
            Assert.Equal("sshd", Cell(ban, "rule"));
            Assert.StartsWith("failed password: Failed password for root", Cell(ban, "reason"), StringComparison.Ordinal);

            Assert.Equal("empty", Text(Assert.Single(Rows(dom, "outbox"))));

            var phone = Path.Combine(folder, "phone.png");
            var desktop = Path.Combine(folder, "desktop.png");
            await HeadlessChromium.ScreenshotAsync(page, phone, PhoneWidth, PhoneHeight);
            await HeadlessChromium.ScreenshotAsync(page, desktop, DesktopWidth, DesktopHeight);
            Assert.Equal((PhoneWidth, PhoneHeight), PngSize(phone));
            Assert.Equal((DesktopWidth, DesktopHeight), PngSize(desktop));
            if (Environment.GetEnvironmentVariable("SYSLOGINTR_SCREENSHOTS") is { Length: > 0 } keep)
            {
                File.Copy(desktop, Path.Combine(keep, "status-page.png"), overwrite: true);
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    /// <summary>Waits until the node has all three to show: the probe down, its alert mailed (the server has the mail), the ban.</summary>
    private static async Task WaitUntilShownAsync(Uri page, TestSmtpServer smtp)
    {
        using var http = new HttpClient { BaseAddress = page, Timeout = TimeSpan.FromSeconds(10) };
        var status = "";
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            status = await http.GetStringAsync("api/status");
            var root = JsonDocument.Parse(status).RootElement;
            if (!smtp.Accepted.IsEmpty
                && root.GetProperty("bans").GetArrayLength() == 1
                && root.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("mailedAt").ValueKind == JsonValueKind.String)
                && root.GetProperty("outbox").GetArrayLength() == 0)
            {
                return;
            }
        }

        Assert.Fail($"the node never had a probe down, its alert mailed and a ban: {status}");
    }

    /// <summary>The body rows of the section with this id, as Chromium serialised them.</summary>
    private static IReadOnlyList<string> Rows(string dom, string section)
    {
        var match = Regex.Match(dom, $"""<section id="{section}">.*?<tbody>(.*?)</tbody>""", RegexOptions.Singleline);
        Assert.True(match.Success, $"no section '{section}' in the rendered page (did its script run?): {dom}");
        return [.. Regex.Matches(match.Groups[1].Value, "<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline).Select(m => m.Value)];
    }

    /// <summary>The text of the row's cell in the column <paramref name="label"/>.</summary>
    private static string Cell(string row, string label)
    {
        var match = Regex.Match(row, $"""<td[^>]*data-label="{Regex.Escape(label)}"[^>]*>(.*?)</td>""", RegexOptions.Singleline);
        Assert.True(match.Success, $"no cell '{label}' in {row}");
        return Text(match.Groups[1].Value);
    }

    private static string Text(string html) => WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", "")).Trim();

    /// <summary>Width and height from the PNG's header (IHDR, the first chunk).</summary>
    private static (int Width, int Height) PngSize(string file)
    {
        var bytes = File.ReadAllBytes(file);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), $"{file} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
