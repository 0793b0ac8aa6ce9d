using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Syslogintr.Cluster;
using Syslogintr.Hosting;

namespace Syslogintr.Http;

/// <summary>
/// The node's HTTP endpoint (<see cref="HttpPaths"/>): Prometheus metrics, the status page and its JSON, the live
/// tail, health and readiness. A Kestrel server of its own, started after the actor system (so every stage it asks exists) and
/// stopped before it. An address it cannot bind is logged as an error and the node runs without it: a status page
/// is not worth losing syslog over.
/// </summary>
public sealed class HttpEndpoint(HttpSettings settings, NodeServices node, IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<HttpEndpoint> log)
    : IHostedService, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private WebApplication? app;
    private MeterProvider? meters;

    /// <summary>Where it listens (with the port chosen when <c>bind</c> asked for 0); null when disabled or not bound.</summary>
    public IPEndPoint? Address { get; private set; }

    /// <summary>Started, and not stopping.</summary>
    private bool Ready => lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }

        meters = NodeMeterProvider.Create(node.Metrics.Meter);
        var system = services.GetRequiredService<ActorSystem>();
        var registry = services.GetRequiredService<ActorRegistry>();
        var status = new StatusCollector(node, system, registry);
        // Open tail streams end when the node stops: Kestrel's stop would otherwise wait for them.
        var tail = new TailStream(node, system, registry, lifetime.ApplicationStopping);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, NodeOwnedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(settings.Bind));
        builder.Services.AddRoutingCore();
        var web = builder.Build();
        if (settings.User is { } user)
        {
            web.Use(BasicAuth.Require(user, settings.Password!));
        }

        if (node.Cluster.Enabled)
        {
            // The buckets hosted here are counted when asked for, not on a timer of their own.
            web.Use(async (context, next) =>
            {
                if (context.Request.Path == HttpPaths.Metrics)
                {
                    await ClusterStatusActor.CountBucketsHostedAsync(system);
                }

                await next(context);
            });
        }

        web.UseOpenTelemetryPrometheusScrapingEndpoint(meters, null, HttpPaths.Metrics, null, null);
        web.MapGet(HttpPaths.Status, async () => Results.Json(await status.CollectAsync(Ready), Json));
        web.MapGet(HttpPaths.Tail, (RequestDelegate)tail.HandleAsync);
        web.MapGet(HttpPaths.Page, () => Results.Text(StatusPage.Html, "text/html; charset=utf-8"));
        web.MapGet(HttpPaths.Health, async () => await status.ProblemsAsync() is { Count: > 0 } problems
            ? Results.Text(string.Join('\n', problems) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n"));
        web.MapGet(HttpPaths.Ready, () => Ready
            ? Results.Text("ready\n")
            : Results.Text("not ready\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        try
        {
            await web.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            log.LogError("http: cannot listen on {Bind} ({Reason}); the node runs without its status endpoint", settings.Bind, e.Message);
            await web.DisposeAsync();
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node was told to stop while it was starting (Kestrel's bind is not instant on a busy host): a
            // stop, not a failure to start.
            await web.DisposeAsync();
            return;
        }

        app = web;
        var bound = new Uri(web.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        Address = new IPEndPoint(IPAddress.Parse(bound.Host.Trim('[', ']')), bound.Port);
        log.LogInformation("http: status on http://{Address}/ (metrics on {Metrics}){Auth}", Address, HttpPaths.Metrics, settings.User is null ? "" : ", basic auth");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        meters?.Dispose();
    }
}
