using System.CommandLine;
using Akka.Configuration;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr reload [--config FILE]</c>: tells the running node (by its pid file) to re-read changed rule scripts
/// and its configuration file (see <see cref="Hosting.Reload.ConfigReloadActor"/>);
/// signals only a pid whose file a live node holds and whose command line is syslogintr's.
/// </summary>
public static class ReloadCommand
{
    public static Command Create()
    {
        var command = new Command("reload", "Make the running node re-read changed rule scripts and its configuration file, applying rules, probes, alerts, mail and file sinks live (SIGUSR1 to the pid in syslogintr.pid-file).");
        command.Options.Add(RunCommand.ConfigOption);
        command.SetAction(parse =>
        {
            string path;
            try
            {
                path = PidFile.PathFrom(NodeConfig.Load(parse.GetValue(RunCommand.ConfigOption)?.FullName));
            }
            catch (Exception e) when (e is FileNotFoundException or ConfigurationException)
            {
                Console.Error.WriteLine($"syslogintr: {e.Message}");
                return 2;
            }

            // A pid file nobody holds, or a pid that is no node, may name any process by now (a kill -9, pid reuse).
            if (PidFile.FindLiveNode(path, out var reason) is not { } pid)
            {
                Console.Error.WriteLine($"syslogintr: {reason}");
                return 1;
            }

            if (!NodeProcess.IsNode(pid))
            {
                Console.Error.WriteLine($"syslogintr: pid {pid} in {path} is not a syslogintr node; not signalling");
                return 1;
            }

            if (!Signals.SendReload(pid, out var errno))
            {
                Console.Error.WriteLine($"syslogintr: cannot signal pid {pid} (errno {errno})");
                return 1;
            }

            Console.WriteLine($"syslogintr: asked node {pid} to reload its rules and configuration");
            return 0;
        });
        return command;
    }
}
