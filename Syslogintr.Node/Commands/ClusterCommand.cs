using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using Syslogintr.Cluster;
using Syslogintr.Hosting;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr cluster status [--config FILE | --node host:port]</c>: asks a running cluster node what it sees and
/// prints members, reachability, singletons and buckets. Exit 0 with a report; 1 when no node answers; 2 when the
/// configuration has the cluster disabled or cannot be read.
/// </summary>
public static class ClusterCommand
{
    public static Command Create()
    {
        var node = new Option<string?>("--node", "-n")
        {
            Description = "the node's remoting host:port as it advertises it (default: public-hostname/hostname and port of --config's syslogintr.cluster)",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "seconds to wait for the answer",
            DefaultValueFactory = _ => 10,
        };
        var status = new Command("status", "Print the cluster as a running node sees it: members, roles, reachability, singletons, buckets.");
        status.Options.Add(RunCommand.ConfigOption);
        status.Options.Add(node);
        status.Options.Add(timeout);
        status.SetAction(async (parse, _) =>
        {
            if (Target(parse.GetValue(node), parse.GetValue(RunCommand.ConfigOption)?.FullName) is not ({ } host, var port))
            {
                return ExitCodes.BadConfiguration;
            }

            try
            {
                var report = await ClusterStatusClient.AskAsync(host, port, TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(timeout))));
                await Console.Out.WriteAsync(ClusterStatusText.Format(report));
                return 0;
            }
            catch (ClusterStatusUnavailableException e)
            {
                await Console.Error.WriteLineAsync($"syslogintr: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (Exception e)
            {
                // Anything else (no free local port, a name that does not resolve): still one line, no stack trace.
                await Console.Error.WriteLineAsync($"syslogintr: cannot ask the node at {host}:{port}: {e.Message}");
                return ExitCodes.Failed;
            }
        });

        var cluster = new Command("cluster", "Commands for a node running as a cluster member.");
        cluster.Subcommands.Add(status);
        return cluster;
    }

    /// <summary>The node to ask, from --node or the configuration; null (after one line on stderr) when there is none.</summary>
    private static (string Host, int Port)? Target(string? node, string? configFile)
    {
        if (node is not null)
        {
            var colon = node.LastIndexOf(':');
            if (colon > 0 && int.TryParse(node.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535)
            {
                return (node[..colon].Trim('[', ']'), p);
            }

            Console.Error.WriteLine($"syslogintr: --node '{node}' is not host:port");
            return null;
        }

        ClusterSettings settings;
        try
        {
            settings = ClusterSettings.From(new SettingsReader(NodeConfig.Load(configFile)));
        }
        catch (Exception e) when (e is FileNotFoundException or ConfigurationException or SettingsException)
        {
            Console.Error.WriteLine($"syslogintr: {e.Message}");
            return null;
        }

        var source = configFile ?? "the embedded defaults";
        if (!settings.Enabled)
        {
            Console.Error.WriteLine($"syslogintr: the cluster is disabled in {source} (syslogintr.cluster.enabled = false): there is no cluster to ask");
            return null;
        }

        var port = settings.PublicPort != 0 ? settings.PublicPort : settings.Port;
        if (port == 0)
        {
            Console.Error.WriteLine($"syslogintr: {source} lets the node pick a free remoting port (port = 0): name it with --node host:port");
            return null;
        }

        return (string.IsNullOrEmpty(settings.PublicHostName) ? settings.HostName : settings.PublicHostName, port);
    }
}
