using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Syslogintr.Tests.Alerts.Mail;

/// <summary>
/// A real SMTP server on loopback (the SmtpServer package), in the test process. Recipients whose local part is
/// <c>nobody</c> are refused (550). <see cref="BeforeAnswer"/> runs after DATA and before the server answers:
/// the seed scenario uses it to log into our unix socket like Postfix, then hang.
/// </summary>
internal sealed class TestSmtpServer : IDisposable
{
    private readonly SmtpServer.SmtpServer server;
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;

    public TestSmtpServer(int? port = null)
    {
        Port = port ?? FreeTcpPort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new DelegatingMailboxFilter((IMailbox to, IMailbox from) => to.User != "nobody"));
        server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, e) =>
        {
            Interlocked.Increment(ref sessions);
            e.Context.CommandExecuting += (_, c) =>
            {
                if (c.Command is NoopCommand)
                {
                    Interlocked.Increment(ref noops);
                }
            };
        };
        running = server.StartAsync(stop.Token);
    }

    public int Port { get; }

    /// <summary>Mails the server answered 250 to, in order.</summary>
    public ConcurrentQueue<MimeMessage> Accepted { get; } = new();

    /// <summary>Mails whose DATA arrived, answered or not (a client may give up waiting).</summary>
    public int DataReceived => dataReceived;

    /// <summary>SMTP sessions (connections) opened so far.</summary>
    public int Sessions => sessions;

    /// <summary>NOOP commands received so far (a client keeping its idle connection open).</summary>
    public int Noops => noops;

    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }

    private int dataReceived;
    private int sessions;
    private int noops;

    public static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        stop.Cancel();
        server.Shutdown();
        try
        {
            running.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelled at shutdown.
        }

        stop.Dispose();
    }

    private sealed class Store(TestSmtpServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner.dataReceived);
            var message = MimeMessage.Load(new MemoryStream(buffer.ToArray()));
            if (owner.BeforeAnswer is { } hook)
            {
                await hook(cancellationToken);
            }

            owner.Accepted.Enqueue(message);
            return SmtpResponse.Ok;
        }
    }
}
