using System.Diagnostics;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Node;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Systemd;

/// <summary>
/// deploy/syslogintr.service and syslogintr.socket as systemd reads them (Debian's <c>systemd-analyze verify</c>,
/// which needs no running systemd), and as deploy/syslogintr.conf expects them.
/// </summary>
public sealed class DeployUnitsTests
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy");

    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_service_the_socket_and_the_cluster_template_without_a_warning()
    {
        var folder = TempFolder.Create();
        try
        {
            // verify checks that ExecStart= exists: point it at the test build's executable.
            var service = (await File.ReadAllTextAsync(Path.Combine(Deploy, "syslogintr.service")))
                .Replace("/opt/syslogintr/syslogintr", Path.Combine(AppContext.BaseDirectory, "syslogintr"), StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(folder, "syslogintr.service"), service);
            File.Copy(Path.Combine(Deploy, "syslogintr.socket"), Path.Combine(folder, "syslogintr.socket"));

            // The template is verified as an instance of it, as systemctl would start it.
            var template = (await File.ReadAllTextAsync(Path.Combine(Deploy, "syslogintr@.service")))
                .Replace("/opt/syslogintr/syslogintr", Path.Combine(AppContext.BaseDirectory, "syslogintr"), StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(folder, "syslogintr@.service"), template);

            var (exitCode, output) = await RunAsync(
                "systemd-analyze", "verify", Path.Combine(folder, "syslogintr.service"), Path.Combine(folder, "syslogintr.socket"), Path.Combine(folder, "syslogintr@node1.service"));
            Assert.True(exitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {exitCode}\n{output}");
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public void The_service_is_notify_type_unprivileged_and_hardened_and_its_socket_is_the_configured_listener()
    {
        var service = Settings(Path.Combine(Deploy, "syslogintr.service"));
        Assert.Equal("notify", service["Type"].Single());
        Assert.Equal(["/bin/kill -HUP $MAINPID", "/bin/kill -USR1 $MAINPID"], service["ExecReload"]);
        Assert.Equal("syslogintr", service["User"].Single());
        Assert.Equal("CAP_NET_BIND_SERVICE", service["AmbientCapabilities"].Single());
        Assert.Equal("CAP_NET_BIND_SERVICE", service["CapabilityBoundingSet"].Single());
        foreach (var (key, value) in new[] { ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes") })
        {
            Assert.Equal(value, service[key].Single());
        }

        Assert.Contains("syslogintr.socket", service["Requires"]);

        var socket = Settings(Path.Combine(Deploy, "syslogintr.socket"));
        var path = socket["ListenDatagram"].Single();
        Assert.Equal("/run/systemd/journal/syslog", path);
        // The node reads the handed-over socket with the listener configured at its path.
        var listeners = ListenerSettings.From(NodeConfig.Load(Path.Combine(Deploy, "syslogintr.conf")));
        Assert.Contains(listeners, l => l.Kind == ListenerKind.Unix && l.Path == path);
    }

    [Fact]
    public void The_cluster_template_is_notify_type_with_the_services_hardening()
    {
        var service = Settings(Path.Combine(Deploy, "syslogintr.service"));
        var template = Settings(Path.Combine(Deploy, "syslogintr@.service"));
        Assert.Equal("notify", template["Type"].Single());
        Assert.Equal(service["ExecReload"], template["ExecReload"]);
        Assert.Equal(service["WatchdogSec"], template["WatchdogSec"]);
        string[] hardening =
        [
            "User", "Group", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "ProtectKernelTunables", "ProtectKernelModules",
            "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname", "RestrictNamespaces", "RestrictRealtime",
            "RestrictSUIDSGID", "LockPersonality", "SystemCallArchitectures", "RestrictAddressFamilies",
        ];
        foreach (var key in hardening)
        {
            Assert.True(template.TryGetValue(key, out var values) && values.SequenceEqual(service[key]), $"{key}: the service has {string.Join(' ', service[key])}, the template {(values is null ? "nothing" : string.Join(' ', values))}");
        }

        // deploy/cluster.conf bans with nftables: the template grants CAP_NET_ADMIN besides the port below 1024, nothing more.
        Assert.Equal("CAP_NET_BIND_SERVICE CAP_NET_ADMIN", template["AmbientCapabilities"].Single());
        Assert.Equal("CAP_NET_BIND_SERVICE CAP_NET_ADMIN", template["CapabilityBoundingSet"].Single());
        var cluster = NodeConfig.Load(Path.Combine(Deploy, "cluster.conf"));
        Assert.Equal("nftables", cluster.GetString("syslogintr.ban.backend"));

        // What deploy/cluster.conf writes is where the unprivileged user may write under ProtectSystem=strict.
        string[] writable = ["/var/log/syslogintr/", "/run/syslogintr/"];
        Assert.Equal(["syslogintr"], template["LogsDirectory"]);
        Assert.Equal(["syslogintr"], template["RuntimeDirectory"]);
        Assert.All(ListenerSettings.From(cluster).Where(l => l.Kind == ListenerKind.Unix), l => Assert.Contains(writable, w => l.Path!.StartsWith(w, StringComparison.Ordinal)));
        Assert.StartsWith(writable[0], cluster.GetString("syslogintr.files.messages.path"), StringComparison.Ordinal);
    }

    /// <summary>A unit file's settings: key to values, in order (comments and section headers skipped).</summary>
    private static Dictionary<string, List<string>> Settings(string unit)
    {
        var settings = new Dictionary<string, List<string>>();
        foreach (var line in File.ReadLines(unit).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';' or '[')))
        {
            var equals = line.IndexOf('=');
            var key = line[..equals];
            if (!settings.TryGetValue(key, out var values))
            {
                settings[key] = values = [];
            }

            values.Add(line[(equals + 1)..]);
        }

        return settings;
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
