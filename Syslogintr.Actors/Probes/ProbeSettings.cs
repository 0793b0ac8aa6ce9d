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

    public static ProbeSettings From(string name, Config c, Config root, string baseDirectory)
    {
        var where = $"syslogintr.probes.{name}";
        var kind = c.GetString("kind", "");
        var every = c.GetTimeSpan("every", TimeSpan.FromHours(1));
        var timeout = c.GetTimeSpan("timeout", TimeSpan.FromSeconds(10));
        if (every <= TimeSpan.Zero || timeout <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{where}: 'every' and 'timeout' must be positive");
        }

        if (timeout > every)
        {
            throw new ConfigurationException($"{where}: 'timeout' ({timeout}) is longer than 'every' ({every}); runs would overlap");
        }

        // A little jitter so that probes configured alike do not all fire in the same second.
        var jitter = c.GetTimeSpan("jitter", TimeSpan.FromTicks(Math.Min(every.Ticks / 50, TimeSpan.FromSeconds(30).Ticks)));
        var program = c.GetString("program", kind == "http-status" ? "check/httpd" : $"check/{name}");
        var target = ReadTarget(kind, c, where, root, baseDirectory);
        return new ProbeSettings(name, every, timeout, c.GetBoolean("run-at-start", true), jitter, program, c.GetBoolean("alert", true), target);
    }

    private static ProbeTarget ReadTarget(string kind, Config c, string where, Config root, string baseDirectory)
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

                    var user = c.GetString("user", null);
                    var password = user is null ? null : Secrets.Read(c, where);
                    return new HttpStatusTarget(uri, user, password);
                }

            case "pidfile":
                {
                    var path = Required(c, "path", where);
                    var processName = c.GetString("process-name", null);
                    return new PidFileTarget(path, string.IsNullOrEmpty(processName) ? null : processName);
                }

            case "tcp":
                {
                    var host = c.GetString("host", "127.0.0.1");
                    var port = c.GetInt("port", 0);
                    if (port is <= 0 or > 65535)
                    {
                        throw new ConfigurationException($"{where}: 'port' must be 1..65535");
                    }

                    return new TcpTarget(host, port);
                }

            case "exec":
                {
                    var argv = c.HasPath("argv") ? c.GetStringList("argv").ToList() : [];
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

    private static string Required(Config c, string key, string where)
    {
        var value = c.GetString(key, "");
        return value.Length > 0 ? value : throw new ConfigurationException($"{where}: '{key}' is required");
    }
}

