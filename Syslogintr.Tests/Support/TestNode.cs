using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Checking;
using Syslogintr.Http;
using Syslogintr.Node;

namespace Syslogintr.Tests.Support;

/// <summary>
/// A whole node in this process, on the embedded defaults with its sockets moved to a free loopback port and a
/// temp folder: what `dotnet run --project Syslogintr.Node` runs, minus the command line.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly IHost host;

    private TestNode(IHost host, string directory, int port)
    {
        this.host = host;
        Directory = directory;
        Port = port;
        Services = host.Services.GetRequiredService<NodeServices>();
    }

    public string Directory { get; }

    public int Port { get; }

    public string SocketPath => Path.Combine(Directory, "log");

    public string MessagesPath => Path.Combine(Directory, "messages");

    public NodeServices Services { get; }

    public ActorSystem System => host.Services.GetRequiredService<ActorSystem>();

    public HttpEndpoint Http => host.Services.GetRequiredService<HttpEndpoint>();

    /// <param name="clock">The node's clock (its <c>LocalTimeZone</c> stands for the process's <c>TZ</c>); the system's by default.</param>
    public static async Task<TestNode> StartAsync(string extraHocon = "", TimeProvider? clock = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var directory = TempFolder.Create();
            var port = FreePort();
            var config = ConfigurationFactory.ParseString(extraHocon).WithFallback(ConfigurationFactory.ParseString(BaseHocon(directory, port))).WithFallback(NodeConfig.Defaults());
            try
            {
                return await StartAsync(config, directory, port, reread: null, clock);
            }
            catch (StartupException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // The free port was taken before the node bound it (by another test's node, or as the local port of
                // an outgoing connection: the kernel hands both out from the same range); a CI run once hit it.
            }
        }
    }

    /// <summary>
    /// A node whose configuration is a file, <c>node.conf</c> in its folder: the test's settings over this class's,
    /// read and checked as the node executable does, and read again on <see cref="ReloadRequested"/>.
    /// </summary>
    public static Task<TestNode> StartFromFileAsync(Func<string, int, string> hocon)
    {
        var directory = TempFolder.Create();
        var port = FreePort();
        var file = Path.Combine(directory, ConfigFileName);
        File.WriteAllText(file, BaseHocon(directory, port) + "\n" + hocon(directory, port));
        Config Read() => ConfigCheck.Load(file, probeListeners: null);
        return StartAsync(Read(), directory, port, Read, clock: null);
    }

    public const string ConfigFileName = "node.conf";

    /// <summary>Replaces the node's configuration file (see <see cref="StartFromFileAsync"/>) with the test's <paramref name="hocon"/> over this class's settings.</summary>
    public void RewriteConfig(string hocon) => File.WriteAllText(Path.Combine(Directory, ConfigFileName), BaseHocon(Directory, Port) + "\n" + hocon);

    private static async Task<TestNode> StartAsync(Config config, string directory, int port, Func<Config>? reread, TimeProvider? clock)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSyslogintr(config, clock, reread: reread);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            TempFolder.Delete(directory);
            throw;
        }

        return new TestNode(host, directory, port);
    }

    private static string BaseHocon(string directory, int port) => $$"""
            syslogintr {
              listeners {
                udp.bind = "127.0.0.1:{{port}}"
                tcp.bind = "127.0.0.1:{{port}}"
                local.path = "{{directory}}/log"
              }
              files.messages {
                path = "{{directory}}/messages"
                flush-interval = 50ms
              }
              metrics.summary-interval = 1h
              # Tests that read it enable it on a free port (bind = "127.0.0.1:0").
              http.enabled = false
            }
            """;

    /// <summary>Lines of the messages file, waiting until <paramref name="done"/> holds or the timeout passes.</summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(Func<IReadOnlyList<string>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        IReadOnlyList<string> lines = [];
        while (DateTime.UtcNow < deadline)
        {
            lines = ReadLines();
            if (done(lines))
            {
                return lines;
            }

            await Task.Delay(50);
        }

        return lines;
    }

    /// <summary>The complete lines written so far: a line the sink is still writing (no newline yet) is left out.</summary>
    public IReadOnlyList<string> ReadLines()
    {
        if (!File.Exists(MessagesPath))
        {
            return [];
        }

        using var stream = new FileStream(MessagesPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task StopAsync() => await host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        TempFolder.Delete(Directory);
    }

    /// <summary>
    /// A port free for both TCP and UDP on 127.0.0.1, picked below the kernel's ephemeral range. A port the kernel
    /// hands out (a bind to port 0) comes from that range, where any outgoing connection of a test running in
    /// parallel can take it between this check and the node's own bind (seen in CI: a cluster node's remoting
    /// failed with "Address already in use"); below it, only a bind to that very port can.
    /// </summary>
    public static int FreePort() => FreePorts(1);

    /// <summary>The first of <paramref name="count"/> consecutive ports free as <see cref="FreePort"/> says.</summary>
    public static int FreePorts(int count)
    {
        var below = EphemeralRangeStart();
        for (var attempt = 0; ; attempt++)
        {
            var first = Random.Shared.Next(LowestPort, below - count);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }

            Assert.True(attempt < 200, $"no {count} consecutive free ports between {LowestPort} and {below}");
        }
    }

    private const int LowestPort = 10_000;

    /// <summary>The first port of <c>ip_local_port_range</c> (32768 on Debian); on a machine whose range starts near
    /// <see cref="LowestPort"/>, the top of the port space.</summary>
    private static int EphemeralRangeStart()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var start = int.Parse(range[0], CultureInfo.InvariantCulture);
        return start > LowestPort + 1_000 ? start : 65_536;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
