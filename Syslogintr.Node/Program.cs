using System.CommandLine;
using Syslogintr.Node;
using Syslogintr.Node.Commands;

var root = RunCommand.CreateRoot();
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TestRuleCommand.Create());
root.Subcommands.Add(ReloadCommand.Create());
root.Subcommands.Add(ParseCommand.Create());
root.Subcommands.Add(ClusterCommand.Create());
root.Subcommands.Add(CheckConfigCommand.Create());
root.Subcommands.Add(StatsCommand.Create());
root.Subcommands.Add(TailCommand.Create());
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // The errors and the usage on stderr, as the original's unknown option; a wrong command line is a configuration error.
    await parse.InvokeAsync(new InvocationConfiguration { Output = Console.Error });
    return ExitCodes.BadConfiguration;
}

return await parse.InvokeAsync();
