using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Rules;
using Syslogintr.Sinks;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>Scripts in a temp folder, rule definitions over them, and messages to feed them.</summary>
public sealed class RuleFolder : IDisposable
{
    public string Path { get; } = TempFolder.Create();

    /// <summary>The repository's rules/ folder (copied next to the test binary by the node project).</summary>
    public static string Shipped => System.IO.Path.Combine(AppContext.BaseDirectory, "rules");

    public string Write(string name, string lua)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, lua);
        return file;
    }

    public RuleDefinition Rule(string name, string lua, Func<RuleDefinition, RuleDefinition>? tweak = null)
    {
        var script = Write(name + ".lua", lua);
        var rule = Definition(name, script, Path, System.IO.Path.Combine(Shipped, "lib"));
        return tweak is null ? rule : tweak(rule);
    }

    /// <summary>A rule running <paramref name="scriptPath"/> with the shipped rule-defaults, its modules found in <paramref name="libraryPaths"/>.</summary>
    public static RuleDefinition Definition(string name, string scriptPath, params string[] libraryPaths) =>
        RuleDefinition.From(name, Akka.Configuration.ConfigurationFactory.ParseString($"script = \"{scriptPath}\""), Akka.Configuration.Config.Empty, AppContext.BaseDirectory)
            with
        { LibraryPaths = libraryPaths };

    public void Dispose() => TempFolder.Delete(Path);

    public static SyslogMessage Message(string text, string remote = "192.0.2.10", Facility facility = Facility.AuthPriv, Severity severity = Severity.Informational, string? host = null, string program = "sshd") => new()
    {
        Facility = facility,
        Severity = severity,
        Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000),
        ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_001),
        Hostname = host,
        AppName = program,
        ProcId = "4242",
        Message = text,
        Raw = System.Text.Encoding.UTF8.GetBytes($"<86>Jan  1 00:00:00 {program}[4242]: {text}"),
        Origin = new Origin(Transport.Udp, remote, 40000, "127.0.0.1", 5514, "udp"),
        Format = SyslogFormat.Rfc3164,
    };
}

/// <summary>Effects that keep what the rule asked for, for the test to look at.</summary>
public sealed class RecordingEffects : IRuleEffects
{
    public List<object> Actions { get; } = [];

    /// <summary>syslog() output refused at the generation limit.</summary>
    public List<SyslogMessage> Refused { get; } = [];

    public TimeSpan Alarm { get; private set; }

    public void Alert(AlertRaised alert) => Actions.Add(alert);

    public void Ban(BanRequested ban) => Actions.Add(ban);

    public void Exec(ExecRequested exec) => Actions.Add(exec);

    public void Write(FileWriteRequested write) => Actions.Add(write);

    public void Relay(RelayRequested relay) => Actions.Add(relay);

    public void Inject(SyslogMessage message) => Actions.Add(message);

    public void InjectionRefused(SyslogMessage message) => Refused.Add(message);

    public void SetAlarm(TimeSpan interval) => Alarm = interval;

    public IEnumerable<string> Logged => Actions.OfType<SyslogMessage>().Select(m => m.Message);
}
