using System.CommandLine;
using System.Net;
using System.Text.Json;
using Syslogintr.Http;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr tail [--config FILE | --url URL] [--select SEL] [--program NAME]</c>: shows a running node's
/// messages live (its <c>/api/tail</c>), one syslog-like line each, coloured by severity on a terminal. What the
/// node dropped because this viewer read too slowly is said on stderr. Ctrl-C ends it quietly (exit code 130, as any interrupted command); a node that does
/// not answer or refuses is one line on stderr and exit 1.
/// </summary>
public static class TailCommand
{
    public static Command Create()
    {
        var select = new Option<string?>("--select")
        {
            Description = "a syslog.conf selector, e.g. 'auth.*' or '*.err;mail.none' (default: every message)",
        };
        var program = new Option<string[]>("--program")
        {
            Description = "only messages of this program (APP-NAME or tag; a trailing * matches a prefix); may be repeated",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("tail", "Show a running node's messages as they arrive, coloured by severity (from its HTTP endpoint).");
        command.Options.Add(RunCommand.ConfigOption);
        command.Options.Add(StatsCommand.UrlOption);
        command.Options.Add(select);
        command.Options.Add(program);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (NodeEndpoint.Resolve(parse.GetValue(StatsCommand.UrlOption), parse.GetValue(RunCommand.ConfigOption)?.FullName) is not { } endpoint)
            {
                return ExitCodes.BadConfiguration;
            }

            var query = new List<string>();
            if (parse.GetValue(select) is { Length: > 0 } selector)
            {
                query.Add("select=" + Uri.EscapeDataString(selector));
            }

            query.AddRange((parse.GetValue(program) ?? []).Select(p => "program=" + Uri.EscapeDataString(p)));
            var path = HttpPaths.Tail + (query.Count == 0 ? "" : "?" + string.Join('&', query));
            using var http = endpoint.Client(Timeout.InfiniteTimeSpan);
            try
            {
                return await ShowAsync(http, endpoint, path, TailLine.UseColour(!Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR")), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C, the normal way to stop watching: nothing to say. The exit code is System.CommandLine's for
                // an interrupted command, 130 (128 + SIGINT), as a shell reports for coreutils' tail -f.
                return 130;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
            {
                await Console.Error.WriteLineAsync($"syslogintr: cannot tail the node at {endpoint.Url}: {e.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static async Task<int> ShowAsync(HttpClient http, NodeEndpoint endpoint, string path, bool colour, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await Console.Error.WriteLineAsync($"syslogintr: {await endpoint.RefusalAsync(response, cancellationToken)}");
            return ExitCodes.Failed;
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var stdout = Console.Out;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.TryGetProperty("dropped", out var dropped))
            {
                await Console.Error.WriteLineAsync($"syslogintr: {dropped.GetInt64()} messages dropped: this viewer read too slowly");
            }
            else if (!root.TryGetProperty("viewer", out _))
            {
                await stdout.WriteLineAsync(TailLine.Format(root.Deserialize<TailMessage>(TailMessage.Json)!, colour));
            }
        }

        await Console.Error.WriteLineAsync($"syslogintr: the node at {endpoint.Url} ended the stream (it stops)");
        return ExitCodes.Failed;
    }
}
