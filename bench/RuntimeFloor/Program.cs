using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Syslogintr.Bench.RuntimeFloor;

// runtime-floor MODE PORT: runtime (the runtime and nothing else), akka (ActorSystem.Create with one actor) or
// hosting (the generic host and Akka.Hosting, as the node starts); the last two read datagrams on 127.0.0.1:PORT
// and tell each one's length to the actor. Runs until killed.
var mode = args.Length > 0 ? args[0] : "hosting";
var port = args.Length > 1 ? int.Parse(args[1]) : 25599;
switch (mode)
{
    case "runtime":
        await Task.Delay(Timeout.Infinite);
        break;
    case "akka":
        var system = ActorSystem.Create("floor", ConfigurationFactory.ParseString("akka.loglevel = INFO"));
        await ReceiveAsync(system.ActorOf(Props.Create<Sink>(), "sink"), port, CancellationToken.None);
        break;
    case "hosting":
        var builder = Host.CreateEmptyApplicationBuilder(null);
        builder.Services.AddAkka("floor", akka => akka.StartActors((sys, registry) =>
            registry.Register<Sink>(sys.ActorOf(Props.Create<Sink>(), "sink"))));
        using (var host = builder.Build())
        {
            await host.StartAsync();
            // The host's SIGTERM handler waits for the program to end: stop reading when it stops.
            var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            await ReceiveAsync(host.Services.GetRequiredService<IActorRegistry>().Get<Sink>(), port, stopping);
            await host.StopAsync();
        }

        break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}': runtime, akka or hosting");
        return 2;
}

return 0;

static async Task ReceiveAsync(IActorRef sink, int port, CancellationToken stopping)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
    var buffer = new byte[2048];
    Console.WriteLine("listening");
    try
    {
        while (true)
        {
            sink.Tell(await socket.ReceiveAsync(buffer, stopping));
        }
    }
    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
    {
    }
}
