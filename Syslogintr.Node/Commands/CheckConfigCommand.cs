using System.CommandLine;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Checking;
using Syslogintr.Hosting.Reload;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr check-config [--config FILE]</c>: every problem of a configuration at once, each as
/// <c>FILE:LINE: key: sentence</c>, before a restart; exit 0 when there is none, 1 otherwise. The node refuses to
/// start on the same problems with the same lines.
/// </summary>
public static class CheckConfigCommand
{
    public const int Clean = 0;

    public const int Problems = 1;

    public static Command Create()
    {
        var command = new Command(
            "check-config",
            "Check a configuration without starting a node: syntax, unknown keys, values, rule scripts, ports and socket paths in use; with FILE.lua (or --script FILE.lua), also that script-mode script's syntax. Prints every problem as FILE:LINE: key: sentence; exit 0 when there is none, 1 otherwise.");
        command.Options.Add(RunCommand.ConfigOption);
        command.Options.Add(ScriptOption);
        command.Arguments.Add(ScriptArgument);
        command.SetAction(parse =>
        {
            var positional = parse.GetValue(ScriptArgument);
            var named = parse.GetValue(ScriptOption);
            if (positional is not null && named is not null && positional.FullName != named.FullName)
            {
                Console.Error.WriteLine($"syslogintr: two scripts given: {positional} and --script {named}");
                return Problems;
            }

            return Run(parse.GetValue(RunCommand.ConfigOption)?.FullName, Console.Out, (positional ?? named)?.FullName);
        });
        return command;
    }

    /// <param name="script">A script-mode script (<c>syslogintr FILE.lua</c>) to compile besides the configuration; null: none.</param>
    public static int Run(string? file, TextWriter output, string? script = null)
    {
        if (file is not null && !File.Exists(file))
        {
            output.WriteLine($"syslogintr: configuration file '{file}' does not exist");
            return Problems;
        }

        var problems = ConfigCheck.Check(file, config => ProbeListeners(config, output));
        IReadOnlyList<ConfigProblem> scriptProblems = script is null ? [] : ConfigCheck.CheckScript(script);
        foreach (var problem in scriptProblems.Concat(problems))
        {
            output.WriteLine(problem);
        }

        if (problems.Count + scriptProblems.Count == 0)
        {
            var checkedFiles = script is null ? file ?? "the built-in configuration" : $"{script} and {file ?? "the built-in configuration"}";
            output.WriteLine($"syslogintr: {checkedFiles}: no problems found");
            RestartNeeded(NodeConfig.Load(file), output);
        }

        return problems.Count + scriptProblems.Count == 0 ? Clean : Problems;
    }

    private static readonly Option<FileInfo?> ScriptOption = new("--script") { Description = "a script-mode Lua script (syslogintr FILE.lua) to compile, never run" };

    private static readonly Argument<FileInfo?> ScriptArgument = new("luafile")
    {
        Description = "a script-mode Lua script (syslogintr FILE.lua) to compile, never run",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// With a node running on this pid file: what <c>syslogintr reload</c> would not apply, one line per key, compared
    /// with the settings the node recorded at start (which a reload never changes).
    /// </summary>
    private static void RestartNeeded(Config config, TextWriter output)
    {
        if (NodeConfig.RunningNode(config, out var pidFile) is not { } pid || RunningConfig.Read(pidFile) is not { } running)
        {
            return;
        }

        var lines = ConfigKeys.RestartNeeded(running, ConfigKeys.Leaves(DefaultSettings.Under(config)));
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        output.WriteLine(lines.Count == 0
            ? $"syslogintr: node {pid} applies every change of this file with syslogintr reload"
            : $"syslogintr: node {pid} needs a restart for {lines.Count} change(s); syslogintr reload applies the rest");
    }

    /// <summary>Ports are probed only when this node is not running: a running node holds them itself, and must not lose them to a probe.</summary>
    private static bool ProbeListeners(Config config, TextWriter output)
    {
        if (NodeConfig.RunningNode(config, out var pidFile) is not { } pid)
        {
            return true;
        }

        output.WriteLine($"syslogintr: a node (pid {pid}) is running with the pid file {pidFile}; its listeners' ports and sockets were not probed");
        return false;
    }
}
