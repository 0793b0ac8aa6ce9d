using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Hosting.Checking;
using Syslogintr.Node.Systemd;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr [run] [options] [script.lua]</c>: the node, until SIGTERM or Ctrl-C. The original syslogintr's
/// options (its short and long forms) and ours; with a script it runs the original's way (see <see cref="ScriptMode"/>).
/// </summary>
public static class RunCommand
{
    public static readonly Option<FileInfo?> ConfigOption = new("--config")
    {
        Description = "HOCON file layered over the embedded defaults",
    };

    private static readonly Option<FileInfo?> ScriptOption = new("--script")
    {
        Description = "run this Lua script as one rule that sees every message, the original syslogintr's way (as the positional luafile)",
    };

    private static readonly Argument<FileInfo?> ScriptArgument = new("luafile")
    {
        Description = "the Lua script, as --script",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<bool> Ipv4 = new("--ip", "-4", "--ip4", "--ipv4") { Description = "accept UDP from IPv4 hosts (0.0.0.0:PORT)" };
    private static readonly Option<string[]> Ipv4Address = Repeatable("accept UDP on this IPv4 address (joins it if multicast)", "--ipaddr", "-i", "--ip4addr", "--ipv4addr");
    private static readonly Option<bool> Ipv6 = new("--ip6", "-6", "--ipv6") { Description = "accept UDP from IPv6 hosts ([::]:PORT)" };
    private static readonly Option<string[]> Ipv6Address = Repeatable("accept UDP on this IPv6 address (joins it if multicast)", "--ip6addr", "-I", "--ipv6addr");
    private static readonly Option<bool> Local = new("--local", "-l") { Description = "accept from the unix socket /dev/log" };
    private static readonly Option<string[]> Socket = Repeatable("accept from this unix datagram socket (repeatable)", "--socket", "-s");
    private static readonly Option<bool> Foreground = new("--foreground", "-f") { Description = "run in the foreground, no pid file (with a script; else the node always does)" };
    private static readonly Option<string?> User = new("--user", "-u") { Description = "user to run as once the sockets are bound (root only)" };
    private static readonly Option<string?> Group = new("--group", "-g") { Description = "group to run as (default: the user's primary group)" };
    private static readonly Option<string?> LuaPath = new("--lua-path", "-p") { Description = "prepend to the script's package.path" };
    private static readonly Option<string?> LuaCPath = new("--lua-cpath", "-c") { Description = "prepend to the script's package.cpath" };
    private static readonly Option<bool> Version = new("--version", "-v") { Description = "print the version (to stderr) and quit" };
    private static readonly Option<bool> Sandbox = new("--sandbox") { Description = "run the script sandboxed, as HOCON rules are by default" };
    private static readonly Option<int> Port = new("--port")
    {
        Description = "UDP port for -4/-6/-i/-I",
        DefaultValueFactory = _ => ScriptMode.SyslogPort,
    };

    private static readonly Option[] Options =
        [ConfigOption, ScriptOption, Ipv4, Ipv4Address, Ipv6, Ipv6Address, Local, Socket, Foreground, User, Group, LuaPath, LuaCPath, Version, Sandbox, Port];

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("Syslogintr: a syslog server whose message handling is scripted in Lua.");
        // Ours prints to stderr and takes -v, as the original's.
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        Configure(root);
        return root;
    }

    public static Command Create()
    {
        var run = new Command("run", "Run the node (the default command).");
        Configure(run);
        return run;
    }

    private static void Configure(Command command)
    {
        foreach (var option in Options)
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(ScriptArgument);
        command.Validators.Add(RefuseUnknownOptions);
        command.SetAction(RunAsync);
    }

    private static Option<string[]> Repeatable(string description, string name, params string[] aliases) =>
        new(name, aliases) { Description = description, AllowMultipleArgumentsPerToken = false };

    /// <summary>An unknown option would otherwise be taken for the script's name; the original prints its usage.</summary>
    private static void RefuseUnknownOptions(CommandResult command)
    {
        foreach (var token in command.Tokens.Where(t => t.Type == TokenType.Argument && t.Value.StartsWith('-') && t.Value.Length > 1))
        {
            command.AddError($"unknown option '{token.Value}'");
        }
    }

    /// <summary>The options as a <see cref="ScriptMode"/>; a <see cref="ConfigurationException"/> for a wrong value.</summary>
    internal static ScriptMode ScriptModeFrom(ParseResult parse)
    {
        var positional = parse.GetValue(ScriptArgument);
        var named = parse.GetValue(ScriptOption);
        if (positional is not null && named is not null && positional.FullName != named.FullName)
        {
            throw new ConfigurationException($"two scripts given: {positional} and --script {named}");
        }

        if (parse.GetValue(Group) is { } group && parse.GetValue(User) is null)
        {
            throw new ConfigurationException($"-g {group} needs -u USER");
        }

        var port = ScriptMode.CheckPort(parse.GetValue(Port));
        List<IPEndPoint> udp = [];
        if (parse.GetValue(Ipv4))
        {
            udp.Add(new IPEndPoint(IPAddress.Any, port));
        }

        udp.AddRange((parse.GetValue(Ipv4Address) ?? []).Select(a => ScriptMode.UdpBind(a, false, port)));
        if (parse.GetValue(Ipv6))
        {
            udp.Add(new IPEndPoint(IPAddress.IPv6Any, port));
        }

        udp.AddRange((parse.GetValue(Ipv6Address) ?? []).Select(a => ScriptMode.UdpBind(a, true, port)));
        List<string> unix = parse.GetValue(Local) ? ["/dev/log"] : [];
        unix.AddRange((parse.GetValue(Socket) ?? []).Select(p => Path.GetFullPath(p)));

        return new ScriptMode
        {
            // Absolute, as the original made it: a daemon's working directory is /.
            Script = (positional ?? named)?.FullName,
            Udp = udp,
            Unix = unix,
            Foreground = parse.GetValue(Foreground),
            Sandbox = parse.GetValue(Sandbox),
            LuaPath = parse.GetValue(LuaPath),
            LuaCPath = parse.GetValue(LuaCPath),
            User = parse.GetValue(User),
            Group = parse.GetValue(Group),
        };
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (parse.GetValue(Version))
        {
            await Console.Error.WriteLineAsync($"syslogintr {typeof(RunCommand).Assembly.GetName().Version?.ToString(3)}");
            return ExitCodes.Stopped;
        }

        Config config;
        ScriptMode mode;
        try
        {
            mode = ScriptModeFrom(parse);
            var configFile = parse.GetValue(ConfigOption)?.FullName;
            config = mode.Over(NodeConfig.LoadChecked(configFile, mode.HasListeners || SocketActivation.HandedOver), NodeConfig.LoadUser(configFile));
        }
        catch (ConfigProblemsException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return ExitCodes.BadConfiguration;
        }
        catch (Exception e) when (e is FileNotFoundException or ConfigurationException)
        {
            await Console.Error.WriteLineAsync($"syslogintr: {e.Message}");
            return ExitCodes.BadConfiguration;
        }

        if (mode.Daemonize && !Daemon.IsChild)
        {
            return await Daemon.StartAsync();
        }

        // The same file, layered and checked the same way (its ports are ours already); script mode reloads scripts only.
        Func<Config>? reread = mode.Script is null && parse.GetValue(ConfigOption)?.FullName is { } file
            ? () => mode.Over(NodeConfig.LoadChecked(file, ownListeners: true), NodeConfig.LoadUser(file))
            : null;
        return await RunNodeAsync(config, cancellationToken, mode, reread);
    }

    /// <param name="mode">What the command line asked for beyond the config: a daemon's child, no pid file with <c>-f</c>.</param>
    /// <param name="reread">Reads the configuration again for <c>syslogintr reload</c>; null: reload re-reads scripts only.</param>
    public static async Task<int> RunNodeAsync(Config config, CancellationToken cancellationToken, ScriptMode? mode = null, Func<Config>? reread = null)
    {
        // What .NET code prints (Akka's fallback logger while the system starts and stops) goes to stderr too. The
        // script's print() (C stdio) and the console sink (the raw stdout stream) still write to stdout.
        Console.SetOut(Console.Error);
        mode ??= new ScriptMode();
        try
        {
            if (mode.Daemonize)
            {
                Daemon.Detach();
            }

            // No defaults: the node's settings are HOCON, so nothing reads appsettings.json, DOTNET_ variables or the
            // command line as host configuration, and its logging is set up below. The defaults also watched the
            // working directory for appsettings.json (inotify): a wake-up of an idle node for every write there.
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            });
            // Diagnostics only on stderr: stdout belongs to the script (the original's realtime.lua draws its screen there).
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            if (mode.Script is not null)
            {
                // The original says nothing unless something is wrong; its own news goes to the script's log().
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
            }

            // A rule stuck in a loop never stops: the node exits anyway, within drain-timeout plus a margin.
            var stopWithin = PipelineSettings.From(new SettingsReader(config)).DrainTimeout + SyslogintrHosting.ShutdownMargin + TimeSpan.FromSeconds(0.5);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = stopWithin);

            // Locked before anything starts: a second node with the same pid file touches no socket or file.
            // The original's -f writes no pid file.
            using var pidFile = mode.Script is not null && mode.Foreground ? null : PidFile.Acquire(config);
            var privileges = mode.User is null ? null : Privileges.Resolve(mode.User, mode.Group);
            // The original's order in script mode: bind (and here read) first, then drop privileges, then load the script.
            Action? afterBind = mode.Script is null && privileges is null ? null : () => privileges?.Drop(OwnedFiles(config, pidFile));
            builder.Services.AddSyslogintr(config, afterBind: afterBind, reread: reread, trimMemoryWhenIdle: true);
            using var recorded = pidFile is null ? null : RunningConfig.Record(pidFile.Path, config);
            using var host = builder.Build();
            using var signals = Signals.Install();
            await host.StartAsync(cancellationToken);
            if (host.Services.GetRequiredService<StartupFailure>().Exception is { } failed)
            {
                await host.StopAsync(CancellationToken.None);
                throw failed;
            }

            var system = host.Services.GetRequiredService<ActorSystem>();
            GcBudget.Log(system);
            signals.Attach(system);
            pidFile?.Publish();
            if (mode.Daemonize)
            {
                Daemon.Ready();
            }

            using var systemd = SystemdNotify.FromEnvironment();
            systemd?.Ready(host);

            await host.WaitForShutdownAsync(cancellationToken);

            // SIGTERM stops the host, which runs coordinated shutdown; the cluster runs it first when it removed us.
            var reason = CoordinatedShutdown.Get(system).ShutdownReason;
            var exitCode = ExitCodes.ForShutdown(reason);
            if (exitCode != ExitCodes.Stopped)
            {
                await Console.Error.WriteLineAsync($"syslogintr: stopped without being asked to ({reason?.GetType().Name}): exit code {exitCode}");
            }

            return exitCode;
        }
        catch (Exception e) when (FindStartupException(e) is { } startup)
        {
            await Console.Error.WriteLineAsync($"syslogintr: {startup.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>What the node unlinks at exit, given to the user it drops to: its unix socket files and pid file.</summary>
    private static IEnumerable<string> OwnedFiles(Config config, PidFile? pidFile) =>
        ListenerSettings.From(config).Where(l => l.Kind == ListenerKind.Unix).Select(l => l.Path!).Concat(pidFile is null ? [] : [pidFile.Path]);

    /// <summary>The host wraps exceptions thrown while starting; the user needs our message, not the wrapper's.</summary>
    private static StartupException? FindStartupException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is StartupException startup)
            {
                return startup;
            }
        }

        return null;
    }
}
