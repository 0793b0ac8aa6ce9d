using System.Text.Json;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Node;
using Syslogintr.Sinks;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Actions;

public sealed class ActionsHostingTests : IDisposable
{
    private readonly string folder = TempFolder.Create();

    [Fact]
    public async Task A_node_registers_the_action_actors_and_a_rule_ban_reaches_the_ban_list()
    {
        var stateFile = Path.Combine(folder, "bans.json");
        var config = ConfigurationFactory.ParseString($$"""
            syslogintr.listeners.udp.enabled = false
            syslogintr.listeners.tcp.enabled = false
            syslogintr.listeners.local.enabled = false
            syslogintr.files.messages.enabled = false
            syslogintr.ban { backend = none, state-file = "{{stateFile}}", persist-interval = 50ms }
            syslogintr.write.allowed-directories = ["{{folder}}"]
            syslogintr.rules.sshblock { script = "rules/sshblock.lua", options { maxretry = 2 } }
            """).WithFallback(NodeConfig.Defaults());
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSyslogintr(config);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            Assert.True(registry.TryGet<BanKey>(out _));
            Assert.True(registry.TryGet<ExecKey>(out _));
            Assert.True(registry.TryGet<RelayKey>(out _));
            Assert.True(registry.TryGet<FileWriteKey>(out _));

            // The rule subscribes to the router asynchronously: keep offering failures until the ban shows up.
            var queue = host.Services.GetRequiredService<NodeServices>().Queue;
            await AwaitBanned(stateFile, "192.0.2.77", () => queue.TryEnqueue(new SyslogMessage
            {
                Facility = Facility.AuthPriv,
                Severity = Severity.Informational,
                Timestamp = DateTimeOffset.UtcNow,
                ReceivedAt = DateTimeOffset.UtcNow,
                AppName = "sshd",
                ProcId = "4242",
                Message = "Failed password for invalid user admin from 192.0.2.77 port 5555 ssh2",
                Origin = new Origin(Transport.Unix, null, -1, "/dev/log", -1, "local"),
            }));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public void Dispose() => TempFolder.Delete(folder);

    private static async Task AwaitBanned(string stateFile, string address, Func<bool> offer)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            offer();
            if (File.Exists(stateFile)
                && JsonDocument.Parse(await File.ReadAllTextAsync(stateFile)).RootElement.EnumerateArray().Any(e => e.GetProperty("address").GetString() == address))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{address} never reached {stateFile}");
    }
}
