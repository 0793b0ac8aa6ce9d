using System.Net;
using System.Text;

namespace Syslogintr.Tests.Probes;

/// <summary>A loopback HTTP server answering every request through <c>answer</c>.</summary>
internal sealed class StatusHttpServer : IDisposable
{
    private readonly HttpListener listener = new();

    public StatusHttpServer(Func<HttpListenerRequest, (int Status, string Body)> answer, int? port = null)
    {
        Port = port ?? Alerts.Mail.TestSmtpServer.FreeTcpPort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var (status, body) = answer(context.Request);
                context.Response.StatusCode = status;
                var bytes = Encoding.UTF8.GetBytes(body);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
    }

    public int Port { get; }

    public void Dispose() => listener.Close();
}
