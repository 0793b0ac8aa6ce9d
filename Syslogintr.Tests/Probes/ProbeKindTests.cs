using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Probes;
using Syslogintr.Tests.Alerts;

namespace Syslogintr.Tests.Probes;

public sealed class ProbeKindTests : IDisposable
{
    internal const string ApacheAuto = """
        localhost
        ServerVersion: Apache/2.4.62 (Debian)
        ServerUptimeSeconds: 93784
        Total Accesses: 1234
        Total kBytes: 567
        CPULoad: .00213
        Uptime: 93784
        ReqPerSec: .0131578
        BytesPerSec: 6.19
        BytesPerReq: 470.5
        BusyWorkers: 1
        IdleWorkers: 74
        Scoreboard: _W___
        """;

    private readonly TempDirectory temp = new();

    private static Task<ProbeResult> Run(IProbe probe) => probe.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

    [Fact]
    public async Task A_missing_or_empty_or_garbled_pid_file_is_down_not_a_crash()
    {
        var missing = await Run(new PidFileProbe(temp.File("none.pid"), null));
        Assert.False(missing.Up);
        Assert.Contains("missing (crash?)", missing.Details);

        File.WriteAllText(temp.File("empty.pid"), "\n");
        var empty = await Run(new PidFileProbe(temp.File("empty.pid"), null));
        Assert.False(empty.Up);
        Assert.Contains("is empty", empty.Details);

        File.WriteAllText(temp.File("junk.pid"), "named\n");
        Assert.False((await Run(new PidFileProbe(temp.File("junk.pid"), null))).Up);
    }

    [Fact]
    public async Task A_pid_file_naming_a_running_process_is_up_and_a_gone_one_down()
    {
        File.WriteAllText(temp.File("self.pid"), $"{Environment.ProcessId}\n");
        var self = await Run(new PidFileProbe(temp.File("self.pid"), null));
        Assert.True(self.Up, self.Details);
        Assert.Equal($"still running (pid {Environment.ProcessId})", self.Details);

        var wrongName = await Run(new PidFileProbe(temp.File("self.pid"), "named"));
        Assert.False(wrongName.Up);
        Assert.Contains("not 'named'", wrongName.Details);

        File.WriteAllText(temp.File("gone.pid"), "4194303\n");
        var gone = await Run(new PidFileProbe(temp.File("gone.pid"), null));
        Assert.False(gone.Up);
        Assert.Contains("process 4194303", gone.Details);
    }

    [Fact]
    public async Task Http_status_logs_mod_status_statistics_and_sends_basic_auth()
    {
        string? authorization = null;
        using var server = new StatusHttpServer(request =>
        {
            authorization = request.Headers["Authorization"];
            return (200, ApacheAuto);
        });
        using var probe = new HttpStatusProbe(new Uri($"http://127.0.0.1:{server.Port}/server-status?auto"), "status", "secret");
        var result = await Run(probe);

        Assert.True(result.Up, result.Details);
        Assert.Equal("accesses=1234 kbytes=567 cpuload=.00213 uptime=1d_2h_3m_4s req/s=.0131578 bytes/s=6.19 bytes/req=470.5 busy=1 idle=74", result.Details);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("status:secret")), authorization);
    }

    [Fact]
    public async Task Http_status_is_down_when_nothing_listens_or_the_answer_is_an_error_or_empty()
    {
        using var nothing = new HttpStatusProbe(new Uri($"http://127.0.0.1:{Alerts.Mail.TestSmtpServer.FreeTcpPort()}/server-status?auto"), null, null);
        var refused = await Run(nothing);
        Assert.False(refused.Up);
        Assert.StartsWith("WEB SERVER NOT RUNNING", refused.Details);

        using (var forbidden = new StatusHttpServer(_ => (403, "no")))
        using (var probe = new HttpStatusProbe(new Uri($"http://127.0.0.1:{forbidden.Port}/server-status?auto"), null, null))
        {
            Assert.Contains("answered 403", (await Run(probe)).Details);
        }

        using var html = new StatusHttpServer(_ => (200, "<html>It works!</html>"));
        using var plain = new HttpStatusProbe(new Uri($"http://127.0.0.1:{html.Port}/"), null, null);
        Assert.False((await Run(plain)).Up);
    }

    [Fact]
    public async Task Tcp_is_up_when_the_port_accepts()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.True((await Run(new TcpProbe("127.0.0.1", port))).Up);
        listener.Stop();
        Assert.False((await Run(new TcpProbe("127.0.0.1", port))).Up);
    }

    [Fact]
    public async Task Exec_is_up_on_exit_0_and_reports_the_first_line_of_output()
    {
        var ok = await Run(new ExecProbe(["/bin/sh", "-c", "echo 'DISK OK - 42% used'; echo more"]));
        Assert.True(ok.Up);
        Assert.Equal("DISK OK - 42% used", ok.Details);

        var failed = await Run(new ExecProbe(["/bin/sh", "-c", "echo 'DISK CRITICAL' >&2; exit 2"]));
        Assert.False(failed.Up);
        Assert.Equal("/bin/sh exited 2: DISK CRITICAL", failed.Details);

        Assert.False((await Run(new ExecProbe([temp.File("no-such-program")]))).Up);
    }

    [Fact]
    public async Task Exec_kills_the_program_when_cancelled()
    {
        var pidFile = temp.File("pid");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ExecProbe(["/bin/sh", "-c", $"echo $$ > {pidFile}; exec sleep 30"]).RunAsync(cancel.Token));
        var pid = File.ReadAllText(pidFile).Trim();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(Directory.Exists($"/proc/{pid}"), "sleep still running");
    }

    public void Dispose() => temp.Dispose();
}
