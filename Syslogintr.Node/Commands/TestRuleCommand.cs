using System.CommandLine;
using Akka.Configuration;
using Syslogintr.Ingest;
using Syslogintr.Rules;
using Syslogintr.Rules.Replay;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr test-rule SCRIPT.lua --input FILE [--option key=value ...]</c>: replays a log through one rule,
/// executes nothing, prints each action as a JSON line and a summary line.
/// </summary>
public static class TestRuleCommand
{
    public static Command Create()
    {
        var script = new Argument<FileInfo>("script") { Description = "the rule's Lua script" };
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "log file: raw syslog lines, or lines as syslog daemons write files (Mmm dd hh:mm:ss host prog[pid]: text)",
            Required = true,
        };
        var options = new Option<string[]>("--option", "-o")
        {
            Description = "a value of the rule's options table, key=value (repeatable; dotted keys nest)",
            AllowMultipleArgumentsPerToken = false,
        };
        var pri = new Option<string>("--pri")
        {
            Description = "facility.level of lines that carry no <PRI> (file lines), e.g. authpriv.info",
            DefaultValueFactory = _ => "user.notice",
        };
        var origin = new Option<string>("--origin")
        {
            Description = "where the lines are taken to come from: udp (default: msg.host is the host the line names), local or local:PATH (the unix socket, default /dev/log), udp:ADDR (that sender)",
            DefaultValueFactory = _ => "udp",
        };
        var trusted = new Option<bool>("--trusted") { Description = "run with the full standard library, as a trusted rule; os.execute, io.popen and io.open for writing are recorded as actions, never run" };
        var allow = new Option<string[]>("--allow-path") { Description = "a folder the sandboxed script may open (repeatable)" };
        var rulesPath = new Option<string>("--rules-path")
        {
            Description = "where require() finds modules (and lib/)",
            DefaultValueFactory = _ => "./rules",
        };

        var command = new Command("test-rule", "Replay a log file through a rule and print the actions it would take, as JSON lines (nothing is executed).");
        command.Arguments.Add(script);
        command.Options.Add(input);
        command.Options.Add(options);
        command.Options.Add(pri);
        command.Options.Add(origin);
        command.Options.Add(trusted);
        command.Options.Add(allow);
        command.Options.Add(rulesPath);
        command.SetAction(parse =>
        {
            var priText = parse.GetValue(pri)!;
            var dot = priText.IndexOf('.');
            if (dot < 0 || !LuaNames.TryParseFacility(priText[..dot], out var facility) || !LuaNames.TryParseLevel(priText[(dot + 1)..], out var severity))
            {
                Console.Error.WriteLine($"syslogintr: --pri '{priText}' is not facility.level");
                return 2;
            }

            var originText = parse.GetValue(origin)!;
            if (!ReplayOrigin.TryParse(originText, out var sender))
            {
                Console.Error.WriteLine($"syslogintr: --origin '{originText}' is not udp, udp:ADDR, local or local:PATH");
                return 2;
            }

            RuleDefinition rule;
            try
            {
                var settings = $"rules-path = {NodeConfig.Quote(parse.GetValue(rulesPath)!)}\ntrusted = {(parse.GetValue(trusted) ? "true" : "false")}\n"
                + $"script = {NodeConfig.Quote(parse.GetValue(script)!.FullName)}\n"
                    + $"allowed-paths = [{string.Join(',', (parse.GetValue(allow) ?? []).Select(NodeConfig.Quote))}]\n"
                    + string.Concat((parse.GetValue(options) ?? []).Select(OptionLine));
                rule = RuleDefinition.From(Path.GetFileNameWithoutExtension(parse.GetValue(script)!.Name), ConfigurationFactory.ParseString(settings), Config.Empty, Directory.GetCurrentDirectory());
            }
            catch (Exception e) when (e is ConfigurationException or FormatException)
            {
                Console.Error.WriteLine($"syslogintr: {e.Message}");
                return 2;
            }

            var file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                Console.Error.WriteLine($"syslogintr: {file.FullName} does not exist");
                return 2;
            }

            var replay = new RuleReplay(rule, Console.Out, Console.Error, facility, severity, sender);
            try
            {
                using var stream = file.OpenRead();
                var showProgress = !Console.IsErrorRedirected && file.Length > 1 << 20;
                replay.Run(stream, showProgress ? ProgressBar : null);
                if (showProgress)
                {
                    Console.Error.WriteLine();
                }
            }
            catch (RuleLoadException e)
            {
                Console.Error.WriteLine($"syslogintr: {e.Message}");
                return 1;
            }

            return replay.Errors > 0 ? 1 : 0;
        });
        return command;
    }

    private static string OptionLine(string option)
    {
        var eq = option.IndexOf('=');
        if (eq <= 0)
        {
            throw new FormatException($"--option '{option}' is not key=value");
        }

        return $"options.{option[..eq].Trim()} = {NodeConfig.Quote(option[(eq + 1)..])}\n";
    }

    private static void ProgressBar(double fraction)
    {
        const int Width = 40;
        var filled = (int)(fraction * Width);
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction:P0}");
    }
}
