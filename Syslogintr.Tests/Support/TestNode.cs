using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Syslogintr.Hosting;
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

    public static async Task<TestNode> StartAsync(string extraHocon = "")
    {
        var directory = TempFolder.Create();
        var port = FreePort();
        var config = ConfigurationFactory.ParseString(extraHocon).WithFallback(ConfigurationFactory.ParseString($$"""
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
            """)).WithFallback(NodeConfig.Defaults());
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSyslogintr(config);
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

    public IReadOnlyList<string> ReadLines()
    {
        if (!File.Exists(MessagesPath))
        {
            return [];
        }

        using var stream = new FileStream(MessagesPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task StopAsync() => await host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        TempFolder.Delete(Directory);
    }

    /// <summary>A port free for both TCP and UDP on 127.0.0.1.</summary>
    public static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }
}
