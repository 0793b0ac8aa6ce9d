using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Syslogintr.Http;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr stats [--config FILE | --url URL]</c>: asks a running node's HTTP endpoint for its status
/// (<c>/api/status</c>) and prints it as tables. Exit 0 with the tables; 1 (one line on stderr) when the node does
/// not answer or refuses; 2 when the configuration cannot be read or has the endpoint disabled.
/// </summary>
public static class StatsCommand
{
    public static readonly Option<string?> UrlOption = new("--url")
    {
        Description = "the node's HTTP endpoint, e.g. http://127.0.0.1:9514 (user:password@ for basic auth); default: syslogintr.http of --config",
    };

    public static Command Create()
    {
        var command = new Command("stats", "Print a running node's listeners, consumers, rules, probes, alerts, outbox and bans (from its HTTP endpoint).");
        command.Options.Add(RunCommand.ConfigOption);
        command.Options.Add(UrlOption);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (NodeEndpoint.Resolve(parse.GetValue(UrlOption), parse.GetValue(RunCommand.ConfigOption)?.FullName) is not { } endpoint)
            {
                return ExitCodes.BadConfiguration;
            }

            using var http = endpoint.Client(TimeSpan.FromSeconds(10));
            NodeStatus status;
            try
            {
                using var response = await http.GetAsync(HttpPaths.Status, cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    await Console.Error.WriteLineAsync($"syslogintr: {await endpoint.RefusalAsync(response, cancellationToken)}");
                    return ExitCodes.Failed;
                }

                status = await response.Content.ReadFromJsonAsync<NodeStatus>(new JsonSerializerOptions(JsonSerializerDefaults.Web), cancellationToken)
                    ?? throw new JsonException("an empty answer");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                await Console.Error.WriteLineAsync($"syslogintr: cannot read the status of the node at {endpoint.Url}: {e.Message}");
                return ExitCodes.Failed;
            }

            await Console.Out.WriteAsync(StatsText.Format(status));
            return 0;
        });
        return command;
    }
}
