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

    /// <summary>
    /// Absolute directories a sandboxed rule's <c>require</c> searches, in order: the script's folder, the rules path,
    /// and last <c>lib</c> under the rules path (the shipped modules), which a trusted rule searches last too
    /// (see <see cref="LuaSearchPath"/>).
    /// </summary>
    public required IReadOnlyList<string> LibraryPaths { get; init; }

    /// <summary>Lua path templates (<c>/x/?.lua;/y/?.lua</c>) a trusted rule's <c>require</c> searches first: the original's <c>-p</c>.</summary>
    public string LuaPath { get; init; } = "";

    /// <summary>The same for C modules (<c>/x/?.so</c>): the original's <c>-c</c>.</summary>
    public string LuaCPath { get; init; } = "";

    /// <summary>Which messages the rule sees; <see cref="FilterSpec.All"/> without a <c>match</c> section.</summary>
    public FilterSpec Match { get; init; } = FilterSpec.All;

    public required int Instances { get; init; }

    /// <summary>The message field that picks the instance when <see cref="Instances"/> &gt; 1.</summary>
    public required string PartitionBy { get; init; }

    public required bool Trusted { get; init; }

    /// <summary>Absolute directories a sandboxed script may open (<c>io.open</c>) and <c>write()</c> to.</summary>
    public IReadOnlyList<string> AllowedPaths { get; init; } = [];

    /// <summary>The rule's <c>options { }</c> section as data (see <see cref="RuleOptions"/>), given to Lua as the <c>options</c> table; empty when absent.</summary>
    public ImmutableDictionary<string, object> Options { get; init; } = RuleOptions.None;

    /// <summary>Lua VM instructions one hook call may run before it is stopped (about 100 ms of work by default).</summary>
    public required long InstructionBudget { get; init; }

    /// <summary>Wall-clock time one hook call may run (checked every 16,000 instructions), for scripts whose instructions are costly C calls.</summary>
    public required TimeSpan TimeBudget { get; init; }

    /// <summary>Lua heap over which a state is rebuilt (checked after each batch).</summary>
    public required long MemoryLimitBytes { get; init; }

    /// <summary>At most one error line per this interval per rule; the rest are counted.</summary>
    public required TimeSpan ErrorLogInterval { get; init; }

    /// <summary>A message whose <see cref="Ingest.SyslogMessage.Generation"/> reached this cannot make a rule inject another.</summary>
    public required int MaxGeneration { get; init; }

    /// <summary>What the router does when this rule is out of credit: drop its share (default) or slow the whole pipeline.</summary>
    public required OnLag OnLag { get; init; }

    public required TimeSpan RestartMinBackoff { get; init; }

    public required TimeSpan RestartMaxBackoff { get; init; }

    /// <summary>Whether a changed script reruns in the running state (the original's way) or loads into a fresh one.</summary>
    public RuleReload Reload { get; init; } = RuleReload.SameState;

    /// <summary>Where the rule runs in a cluster; every rule runs <see cref="RuleDistribution.Local"/> on a node whose cluster is disabled.</summary>
    public RuleDistribution Distribution { get; init; } = RuleDistribution.Local;

    /// <summary>Buckets (Cluster Sharding entities) of a <see cref="RuleDistribution.Partitioned"/> rule, keyed by <see cref="PartitionBy"/>.</summary>
    public int Partitions { get; init; } = 1;

    /// <summary>Buckets the rule's messages are spread over in a cluster: a singleton is a sharded rule with one bucket.</summary>
    public int Buckets => Distribution == RuleDistribution.Singleton ? 1 : Partitions;

    public string ScriptName => Path.GetFileName(ScriptPath);

    /// <summary>Most buckets a rule may have: each is a shard of its own, and the coordinator's state grows with them.</summary>
    public const int MaxPartitions = 100_000;

    /// <summary>Every enabled rule under <c>syslogintr.rules</c>. Relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static IReadOnlyList<RuleDefinition> AllFrom(Config config, string baseDirectory) =>
        [.. config.NamedEntries("syslogintr.rules").Select(e => From(e.Name, e.Config, config, baseDirectory))];

    public static RuleDefinition From(string name, Config rule, Config root, string baseDirectory)
    {
        var merged = new SettingsReader(root).Entry(rule, $"syslogintr.rules.{name}", "syslogintr.rule-defaults");
        var rulesPath = Resolve(merged.String("rules-path"), baseDirectory);
        var script = (rule.HasPath("script") ? rule.GetString("script") : null)
            ?? throw new ConfigurationException($"rule '{name}' has no 'script'");
        var scriptPath = Resolve(script, baseDirectory);
        var instances = merged.Int("instances");
        if (instances < 1)
        {
            throw new ConfigurationException($"rule '{name}': instances must be at least 1, not {instances}");
        }

        var partitionBy = merged.String("partition-by");
        if (!PartitionKey.IsKnown(partitionBy))
        {
            throw new ConfigurationException($"rule '{name}': partition-by '{partitionBy}' is not one of {string.Join(", ", PartitionKey.Fields)}");
        }

        OnLag onLag;
        try
        {
            onLag = OnLagSetting.Parse("on-lag", merged.String("on-lag"), OnLag.Drop);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"rule '{name}': {e.Message}");
        }

        var distribution = RuleDistributions.Parse(name, merged.String("distribution"));
        if (distribution != RuleDistribution.Local && instances != 1)
        {
            throw new ConfigurationException($"rule '{name}': instances applies to local rules; a {RuleDistributions.Name(distribution)} rule's buckets are its instances (set partitions instead)");
        }

        // A rule's own `partitions`, else the cluster's: not in rule-defaults, so one key sets every rule's.
        var partitions = rule.HasPath("partitions")
            ? merged.Int("partitions", 1, MaxPartitions)
            : new SettingsReader(root).Int("syslogintr.cluster.partitions", 1, MaxPartitions);

        return new RuleDefinition
        {
            Name = name,
            ScriptPath = scriptPath,
            LibraryPaths = [Path.GetDirectoryName(scriptPath)!, rulesPath, Path.Combine(rulesPath, "lib")],
            LuaPath = merged.String("lua-path"),
            LuaCPath = merged.String("lua-cpath"),
            Match = rule.HasPath("match") ? RuleMatch.From(name, rule.GetConfig("match")) : FilterSpec.All,
            Instances = instances,
            PartitionBy = partitionBy,
            Trusted = merged.Bool("trusted"),
            AllowedPaths = [.. merged.Strings("allowed-paths").Select(p => Path.GetFullPath(p, baseDirectory))],
            Options = rule.HasPath("options") ? RuleOptions.From(name, rule.GetConfig("options")) : RuleOptions.None,
            InstructionBudget = merged.Long("instruction-budget"),
            TimeBudget = merged.Duration("time-budget"),
            MemoryLimitBytes = merged.Bytes("memory-limit"),
            ErrorLogInterval = merged.Duration("error-log-interval"),
            MaxGeneration = merged.Int("max-generation"),
            OnLag = onLag,
            RestartMinBackoff = merged.Duration("restart-backoff.min"),
            RestartMaxBackoff = merged.Duration("restart-backoff.max"),
            Reload = RuleReloads.Parse(name, merged.String("reload")),
            Distribution = distribution,
            Partitions = partitions,
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
