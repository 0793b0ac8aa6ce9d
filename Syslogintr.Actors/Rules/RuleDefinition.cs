using System.Collections.Immutable;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Rules;

/// <summary>
/// One <c>syslogintr.rules.&lt;name&gt;</c> entry, with the <c>syslogintr.rule-defaults</c> section filling what
/// the entry leaves out.
/// </summary>
public sealed record RuleDefinition
{
    public required string Name { get; init; }

    /// <summary>Absolute path of the script.</summary>
    public required string ScriptPath { get; init; }

    /// <summary>Absolute directories <c>require</c> searches: <c>lib</c> under the rules path (the shipped modules), the script's folder, the rules path.</summary>
    public required IReadOnlyList<string> LibraryPaths { get; init; }

    /// <summary>Which messages the rule sees; <see cref="FilterSpec.All"/> without a <c>match</c> section.</summary>
    public FilterSpec Match { get; init; } = FilterSpec.All;

    public int Instances { get; init; } = 1;

    /// <summary>The message field that picks the instance when <see cref="Instances"/> &gt; 1.</summary>
    public string PartitionBy { get; init; } = "remote";

    public bool Trusted { get; init; }

    /// <summary>Absolute directories a sandboxed script may open (<c>io.open</c>) and <c>write()</c> to.</summary>
    public IReadOnlyList<string> AllowedPaths { get; init; } = [];

    /// <summary>The rule's <c>options { }</c> section as data (see <see cref="RuleOptions"/>), given to Lua as the <c>options</c> table; empty when absent.</summary>
    public ImmutableDictionary<string, object> Options { get; init; } = RuleOptions.None;

    /// <summary>Lua VM instructions one hook call may run before it is stopped (about 100 ms of work by default).</summary>
    public long InstructionBudget { get; init; } = 50_000_000;

    /// <summary>Wall-clock time one hook call may run (checked every 16,000 instructions), for scripts whose instructions are costly C calls.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Lua heap over which a state is rebuilt (checked after each batch).</summary>
    public long MemoryLimitBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>At most one error line per this interval per rule; the rest are counted.</summary>
    public TimeSpan ErrorLogInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A message whose <see cref="Ingest.SyslogMessage.Generation"/> reached this cannot make a rule inject another.</summary>
    public int MaxGeneration { get; init; } = 3;

    /// <summary>What the router does when this rule is out of credit: drop its share (default) or slow the whole pipeline.</summary>
    public OnLag OnLag { get; init; } = OnLag.Drop;

    public TimeSpan RestartMinBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RestartMaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public string ScriptName => Path.GetFileName(ScriptPath);

    /// <summary>Every enabled rule under <c>syslogintr.rules</c>. Relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static IReadOnlyList<RuleDefinition> AllFrom(Config config, string baseDirectory) =>
        [.. config.NamedEntries("syslogintr.rules").Select(e => From(e.Name, e.Config, config, baseDirectory))];

    public static RuleDefinition From(string name, Config rule, Config root, string baseDirectory)
    {
        var defaults = root.HasPath("syslogintr.rule-defaults") ? root.GetConfig("syslogintr.rule-defaults") : Config.Empty;
        var merged = rule.WithFallback(defaults);
        var rulesPath = Resolve(merged.GetString("rules-path", "./rules"), baseDirectory);
        var script = rule.GetString("script", null)
            ?? throw new ConfigurationException($"rule '{name}' has no 'script'");
        var scriptPath = Resolve(script, baseDirectory);
        var instances = merged.GetInt("instances", 1);
        if (instances < 1)
        {
            throw new ConfigurationException($"rule '{name}': instances must be at least 1, not {instances}");
        }

        var partitionBy = merged.GetString("partition-by", "remote");
        if (!PartitionKey.IsKnown(partitionBy))
        {
            throw new ConfigurationException($"rule '{name}': partition-by '{partitionBy}' is not one of {string.Join(", ", PartitionKey.Fields)}");
        }

        OnLag onLag;
        try
        {
            onLag = OnLagSetting.Parse("on-lag", merged.GetString("on-lag", ""), OnLag.Drop);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"rule '{name}': {e.Message}");
        }

        return new RuleDefinition
        {
            Name = name,
            ScriptPath = scriptPath,
            LibraryPaths = [Path.Combine(rulesPath, "lib"), Path.GetDirectoryName(scriptPath)!, rulesPath],
            Match = rule.HasPath("match") ? RuleMatch.From(name, rule.GetConfig("match")) : FilterSpec.All,
            Instances = instances,
            PartitionBy = partitionBy,
            Trusted = merged.GetBoolean("trusted", false),
            AllowedPaths = [.. (merged.GetStringList("allowed-paths") ?? []).Select(p => Path.GetFullPath(p, baseDirectory))],
            Options = rule.HasPath("options") ? RuleOptions.From(name, rule.GetConfig("options")) : RuleOptions.None,
            InstructionBudget = merged.GetLong("instruction-budget", 50_000_000),
            TimeBudget = merged.GetTimeSpan("time-budget", TimeSpan.FromMilliseconds(100)),
            MemoryLimitBytes = merged.HasPath("memory-limit") ? merged.GetByteSize("memory-limit") ?? 64L << 20 : 64L << 20,
            ErrorLogInterval = merged.GetTimeSpan("error-log-interval", TimeSpan.FromSeconds(10)),
            MaxGeneration = merged.GetInt("max-generation", 3),
            OnLag = onLag,
            RestartMinBackoff = merged.GetTimeSpan("restart-backoff.min", TimeSpan.FromSeconds(1)),
            RestartMaxBackoff = merged.GetTimeSpan("restart-backoff.max", TimeSpan.FromSeconds(30)),
        };
    }

    /// <summary>
    /// A relative path against <paramref name="baseDirectory"/> (the working directory or the config file's folder);
    /// failing that, next to the binary, where the build copies <c>rules/</c>.
    /// </summary>
    public static string Resolve(string path, string baseDirectory)
    {
        var local = Path.GetFullPath(path, baseDirectory);
        if (Path.IsPathRooted(path) || File.Exists(local) || Directory.Exists(local))
        {
            return local;
        }

        var beside = Path.GetFullPath(path, AppContext.BaseDirectory);
        return File.Exists(beside) || Directory.Exists(beside) ? beside : local;
    }
}
