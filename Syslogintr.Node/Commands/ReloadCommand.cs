using System.CommandLine;
using Akka.Configuration;

namespace Syslogintr.Node.Commands;

/// <summary><c>syslogintr reload [--config FILE]</c>: tells the running node (by its pid file) to re-read changed rule scripts.</summary>
public static class ReloadCommand
{
    public static Command Create()
    {
        var command = new Command("reload", "Make the running node re-read changed rule scripts (SIGUSR1 to the pid in syslogintr.pid-file).");
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

            if (!File.Exists(path) || !int.TryParse(File.ReadAllText(path).Trim(), out var pid))
            {
                Console.Error.WriteLine($"syslogintr: no node pid in {path}; is the node running?");
                return 1;
            }

            if (!Signals.SendReload(pid, out var errno))
            {
                Console.Error.WriteLine($"syslogintr: cannot signal pid {pid} (errno {errno})");
                return 1;
            }

            Console.WriteLine($"syslogintr: asked node {pid} to reload its rules");
            return 0;
        });
        return command;
    }
}
