using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Http;

/// <summary>
/// <c>GET /api/tail?select=SELECTOR&amp;program=NAME</c>: the messages the filter accepts, live, as
/// JSON lines (<see cref="TailMessage"/>). Each request is a router consumer of its own (<see cref="TailViewerActor"/>)
/// with a small credit and the drop policy: a viewer that reads slowly (a paused terminal, a slow link) has its share
/// dropped and counted under its name, and is told how many in the stream; ingestion and every other consumer never wait for it.
/// </summary>
internal sealed class TailStream(NodeServices node, ActorSystem system, IReadOnlyActorRegistry registry, CancellationToken stopping)
{
    /// <summary>Messages a viewer may have outstanding (handed over, not yet written to its connection): enough for a burst a terminal shows anyway.</summary>
    private const int Credit = 500;

    /// <summary>How soon a viewer hears about drops when no message follows them.</summary>
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private readonly TailViewerNames names = new();

    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var spec = new FilterSpec
        {
            Select = string.IsNullOrWhiteSpace(query["select"]) ? FilterSpec.All.Select : query["select"].ToString(),
            Programs = [.. query["program"].OfType<string>().Where(p => p.Length > 0)],
        };
        try
        {
            MessageFilter.Compile(spec);
        }
        catch (FormatException e)
        {
            await Results.Text($"select: {e.Message}\n", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        if (!registry.TryGet<RouterKey>(out var router))
        {
            await Results.Text("no router on this node: nothing to tail\n", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return;
        }

        // A viewer may pause for as long as it likes (its share is dropped meanwhile): Kestrel must not cut it off
        // for reading too slowly, and nothing may be held back in a response buffer.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var name = names.Take();
        var batches = Channel.CreateUnbounded<MessageBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var viewer = system.ActorOf(TailViewerActor.Props(batches.Writer));
        try
        {
            await router.Ask<Subscribed>(new Subscribe(name, viewer, spec, Credit, OnLag.Drop), AskTimeout, done.Token);
            context.Response.ContentType = "application/x-ndjson; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await StreamAsync(context.Response.BodyWriter, name, batches.Reader, viewer, done.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The viewer left (or the node stops): not an error.
        }
        catch (AskTimeoutException) when (!context.Response.HasStarted)
        {
            await Results.Text($"the router did not answer within {AskTimeout.TotalSeconds:0} s\n", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        }
        finally
        {
            try
            {
                // Awaited before the actor stops: a Terminated would overtake the Unsubscribe and keep it registered.
                await router.Ask<Unsubscribed>(new Unsubscribe(viewer, Abandon: true), AskTimeout);
            }
            catch (AskTimeoutException)
            {
                // The router is gone (the node stops): nothing to leave.
            }

            system.Stop(viewer);
            names.Release(name);
        }
    }

    private async Task StreamAsync(PipeWriter body, string name, ChannelReader<MessageBatch> batches, IActorRef viewer, CancellationToken token)
    {
        var counters = node.Metrics.Consumer(name);
        // The name may have served an earlier viewer: only drops from now on are this one's.
        var reported = counters.Dropped;
        using var json = new Utf8JsonWriter(body);
        WriteLine(json, body, w => Property(w, "viewer", name));
        if ((await body.FlushAsync(token)).IsCompleted)
        {
            return;
        }

        Task<bool>? more = null;
        Task? tick = null;
        while (true)
        {
            more ??= batches.WaitToReadAsync(token).AsTask();
            tick ??= Task.Delay(DropReportInterval, token);
            if (await Task.WhenAny(more, tick) == tick)
            {
                tick = null;
            }

            token.ThrowIfCancellationRequested();
            reported = ReportDrops(json, body, counters, reported);
            var written = 0;
            if (more.IsCompleted)
            {
                if (!await more)
                {
                    return;
                }

                more = null;
                while (batches.TryRead(out var batch))
                {
                    foreach (var message in batch.Messages)
                    {
                        WriteLine(json, body, w => JsonSerializer.Serialize(w, TailMessage.From(message), TailMessage.Json));
                    }

                    written++;
                }
            }

            // Waits while the connection's buffers are full: the viewer's credit runs out and the router drops for it.
            // A connection gone (reset) completes the pipe rather than throwing: then what was just written is lost,
            // left unacknowledged for the unsubscription to count as dropped.
            var flushed = await body.FlushAsync(token);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }

            if (written > 0)
            {
                viewer.Tell(new BatchesWritten(written));
            }
        }
    }

    private static long ReportDrops(Utf8JsonWriter json, PipeWriter body, ConsumerCounters counters, long reported)
    {
        var dropped = counters.Dropped;
        if (dropped > reported)
        {
            WriteLine(json, body, w => Property(w, "dropped", dropped - reported));
        }

        return dropped;
    }

    /// <summary>A line of one property: <c>{"viewer":"tail#1"}</c>, <c>{"dropped":12}</c>.</summary>
    private static void Property<T>(Utf8JsonWriter json, string name, T value)
    {
        json.WriteStartObject();
        json.WritePropertyName(name);
        JsonSerializer.Serialize(json, value);
        json.WriteEndObject();
    }

    private static void WriteLine(Utf8JsonWriter json, PipeWriter body, Action<Utf8JsonWriter> write)
    {
        json.Reset(body);
        write(json);
        json.Flush();
        body.Write("\n"u8);
    }
}
