using System.CommandLine;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Checking;

namespace Syslogintr.Node.Commands;

/// <summary><c>syslogintr [run] [--config FILE]</c>: the node, in the foreground, until SIGTERM or Ctrl-C.</summary>
public static class RunCommand
{
    public static readonly Option<FileInfo?> ConfigOption = new("--config", "-c")
    {
        Description = "HOCON file layered over the embedded defaults",
    };

    public static readonly Option<FileInfo?> ScriptOption = new("--script")
    {
        Description = "run this Lua script as one rule that sees every message, the original syslogintr's way",
    };

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("Syslogintr: a syslog server whose message handling is scripted in Lua.");
        root.Options.Add(ConfigOption);
        root.Options.Add(ScriptOption);
        root.SetAction(RunAsync);
        return root;
    }

    public static Command Create()
    {
        var run = new Command("run", "Run the node in the foreground (the default command).");
        run.Options.Add(ConfigOption);
        run.Options.Add(ScriptOption);
        run.SetAction(RunAsync);
        return run;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        Config config;
        try
        {
            config = NodeConfig.LoadChecked(parse.GetValue(ConfigOption)?.FullName);
            if (parse.GetValue(ScriptOption) is { } script)
            {
                config = NodeConfig.WithScriptRule(config, script.FullName);
            }
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

        return await RunNodeAsync(config, cancellationToken);
    }

    public static async Task<int> RunNodeAsync(Config config, CancellationToken cancellationToken)
    {
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            });
            // A rule stuck in a loop never stops: the node exits anyway, within drain-timeout plus a margin.
            var stopWithin = PipelineSettings.From(new SettingsReader(config)).DrainTimeout + SyslogintrHosting.ShutdownMargin + TimeSpan.FromSeconds(0.5);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = stopWithin);
            builder.Services.AddSyslogintr(config);

            // Locked before anything starts: a second node with the same pid file touches no socket or file.
            using var pidFile = PidFile.Acquire(config);
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var system = host.Services.GetRequiredService<ActorSystem>();
            using var signals = Signals.Publish(system);
            pidFile.Publish();
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
