using System.Text;
using BenchmarkDotNet.Attributes;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Rules;
using Syslogintr.Sinks;

namespace Syslogintr.Bench;

/// <summary>
/// One <see cref="LuaRule.Deliver"/> per operation with the side-by-side bench's trivial rule (bench/conf/trivial-rule.lua:
/// reads one field, counts): the price of handing a message to a Lua state, which `syslogintr+lua` pays per message.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MessagesPerSecondConfig))]
public class LuaRuleBenchmarks
{
    private static readonly byte[] Loggen = Encoding.ASCII.GetBytes(
        ("<38>2026-11-29T03:40:26 localhost prg00000[1234]: seq: 0000000000, thread: 0000, runid: 1795923626, " +
         "stamp: 2026-11-29T03:40:26 ").PadRight(255, 'P') + "\n");

    private LuaRule rule = null!;
    private SyslogMessage message = null!;

    [GlobalSetup]
    public void SetUp()
    {
        var definition = RuleDefinition.From("bench", Akka.Configuration.ConfigurationFactory.ParseString($"script = \"{TrivialRule()}\""), Akka.Configuration.Config.Empty, AppContext.BaseDirectory);
        rule = LuaRule.Load(definition, new NoEffects(), TimeProvider.System, "benchhost");
        message = new SyslogParser(TimeProvider.System, "benchhost")
            .Parse(Loggen, new Origin(Transport.Tcp, "127.0.0.1", 40000, "127.0.0.1", 514, "tcp"), DateTimeOffset.UtcNow);
    }

    // BenchmarkDotNet runs a generated project under bench/.work: the repository is found by walking up.
    private static string TrivialRule()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var script = Path.Combine(folder.FullName, "bench", "conf", "trivial-rule.lua");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new FileNotFoundException("bench/conf/trivial-rule.lua is not above " + AppContext.BaseDirectory);
    }

    [GlobalCleanup]
    public void TearDown() => rule.Dispose();

    [Benchmark]
    public RuleError? DeliverLoggen256() => rule.Deliver(message);

    /// <summary>The rule asks for nothing: what the trivial rule would do is not this benchmark's subject.</summary>
    private sealed class NoEffects : IRuleEffects
    {
        public void Alert(AlertRaised alert) { }

        public void Ban(BanRequested ban) { }

        public void Exec(ExecRequested exec) { }

        public void Write(FileWriteRequested write) { }

        public void Relay(RelayRequested relay) { }

        public void Inject(SyslogMessage message) { }

        public void InjectionRefused(SyslogMessage message) { }

        public void SetAlarm(TimeSpan interval) { }
    }
}
