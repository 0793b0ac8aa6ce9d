using System.CommandLine;
using Syslogintr.Node.Commands;

var root = RunCommand.CreateRoot();
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TestRuleCommand.Create());
root.Subcommands.Add(ReloadCommand.Create());
root.Subcommands.Add(ParseCommand.Create());
root.Subcommands.Add(ClusterCommand.Create());
root.Subcommands.Add(CheckConfigCommand.Create());
return await root.Parse(args).InvokeAsync();
