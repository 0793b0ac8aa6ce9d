using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>
/// One entry of <c>syslogintr.probes</c>: when to run which check, and under which program name to log it. Plain data
/// (the check is a <see cref="ProbeTarget"/>, built into a probe where it runs), read and checked once at start.
/// </summary>
public sealed record ProbeSettings(
    string Name,
    TimeSpan Every,
    TimeSpan Timeout,
    bool RunAtStart,
    TimeSpan Jitter,
    string Program,
    bool Alert,
    ProbeTarget Target)
{
    /// <summary>Every enabled probe; a <c>lua</c> probe's rule is looked up in <paramref name="config"/>, relative paths against <paramref name="baseDirectory"/>.</summary>
    public static IReadOnlyList<ProbeSettings> AllFrom(Config config, string? baseDirectory = null) =>
        config.NamedEntries("syslogintr.probes").Select(e => From(e.Name, e.Config, config, baseDirectory ?? Directory.GetCurrentDirectory())).ToList();

    /// <summary>The probe <paramref name="entry"/>, over <c>syslogintr.probe-defaults</c>.</summary>
    public static ProbeSettings From(string name, Config entry, Config root, string baseDirectory)
    {
        var where = $"syslogintr.probes.{name}";
        var c = new SettingsReader(root).Entry(entry, where, "syslogintr.probe-defaults");
        var kind = c.Optional("kind");
        var every = c.Duration("every");
        if (every <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{where}: 'every' must be positive");
        }

        // Computed when absent, so that a quick probe (every = 3s) needs no timeout of its own: half the interval
        // leaves the run room to finish before the next one is due. Only a timeout the user wrote can conflict.
        var timeout = c.Has("timeout") ? c.Duration("timeout") : TimeSpan.FromTicks(Math.Min(every.Ticks / 2, TimeSpan.FromSeconds(10).Ticks));
        if (timeout <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{where}: 'timeout' must be positive");
        }

        if (timeout >= every)
        {
            throw new ConfigurationException($"{where}: 'timeout' ({timeout}) is not shorter than 'every' ({every}); runs would overlap");
        }

        // Also computed when absent, as syslogintr.conf documents at probe-defaults: a little jitter so that probes
        // configured alike do not all fire in the same second, and a program name after the check.
        var jitter = c.Has("jitter") ? c.Duration("jitter") : TimeSpan.FromTicks(Math.Min(every.Ticks / 50, TimeSpan.FromSeconds(30).Ticks));
        var program = c.Optional("program") ?? (kind == "http-status" ? "check/httpd" : $"check/{name}");
        var target = ReadTarget(kind, c, where, root, baseDirectory);
        return new ProbeSettings(name, every, timeout, c.Bool("run-at-start"), jitter, program, c.Bool("alert"), target);
    }

    private static ProbeTarget ReadTarget(string? kind, SettingsReader c, string where, Config root, string baseDirectory)
    {
        switch (kind)
        {
            case "http-status":
                {
                    var url = Required(c, "url", where);
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                    {
                        throw new ConfigurationException($"{where}: 'url' must be an absolute http(s) URL, not '{url}'");
                    }

                    var user = c.Optional("user");
                    var password = user is null ? null : c.Secret(where);
                    return new HttpStatusTarget(uri, user, password);
                }

            case "pidfile":
                {
                    var path = Required(c, "path", where);
                    return new PidFileTarget(path, c.Optional("process-name"));
                }

            case "tcp":
                {
                    var host = c.String("host");
                    var port = c.Has("port") ? c.Long("port") : 0;
                    if (port is <= 0 or > 65535)
                    {
                        throw new ConfigurationException($"{where}: 'port' must be 1..65535");
                    }

                    return new TcpTarget(host, (int)port);
                }

            case "exec":
                {
                    var argv = c.Has("argv") ? c.Strings("argv").ToList() : [];
                    if (argv.Count == 0 || string.IsNullOrEmpty(argv[0]))
                    {
                        throw new ConfigurationException($"{where}: 'argv' must be a non-empty list (the program and its arguments; no shell)");
                    }

                    return new ExecTarget(argv);
                }

            case "lua":
                {
                    var ruleName = Required(c, "rule", where);
                    var function = Required(c, "function", where);
                    if (!root.HasPath($"syslogintr.rules.{ruleName}"))
                    {
                        throw new ConfigurationException($"{where}: no rule '{ruleName}' under syslogintr.rules");
                    }

                    var rule = RuleDefinition.From(ruleName, root.GetConfig($"syslogintr.rules.{ruleName}"), root, baseDirectory);
                    if (!File.Exists(rule.ScriptPath))
                    {
                        throw new ConfigurationException($"{where}: script {rule.ScriptPath} of rule '{ruleName}' does not exist");
                    }

                    return new LuaCheckTarget(rule, function);
                }

            default:
                throw new ConfigurationException($"{where}: unknown kind '{kind}' (http-status, pidfile, tcp, exec, lua)");
        }
    }

    private static string Required(SettingsReader c, string key, string where) =>
        c.Optional(key) ?? throw new ConfigurationException($"{where}: '{key}' is required");
}

