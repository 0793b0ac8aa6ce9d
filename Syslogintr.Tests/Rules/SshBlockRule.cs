using Akka.Configuration;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Rules;
using Syslogintr.Rules.Replay;
using Syslogintr.Sinks;

namespace Syslogintr.Tests.Rules;

/// <summary>rules/sshblock.lua loaded in the real rule host, its bans and reports collected instead of sent.</summary>
internal sealed class SshBlockRule : IRuleEffects, IDisposable
{
    private readonly LuaRule lua;

    public SshBlockRule(string options)
    {
        var rule = RuleDefinition.From(
            "sshblock",
            ConfigurationFactory.ParseString($"script = \"rules/sshblock.lua\"\noptions {{ {options} }}"),
            Config.Empty,
            AppContext.BaseDirectory);
        lua = LuaRule.Load(rule, this, Clock, "localhost");
    }

    public ReplayClock Clock { get; } = new(DateTimeOffset.UnixEpoch);

    public List<BanRequested> Bans { get; } = [];

    /// <summary>Text of the messages the rule logged with syslog() (with verbose = true: one "Found HOST …" per failure).</summary>
    public List<string> Logged { get; } = [];

    public List<RuleError> Errors { get; } = [];

    public void Deliver(SyslogMessage message)
    {
        Clock.Now = message.Timestamp ?? message.ReceivedAt;
        if (lua.Deliver(message) is { } error)
        {
            Errors.Add(error);
        }
    }

    public static SyslogMessage Sshd(string text, DateTimeOffset at, int pid = 100, string program = "sshd") => new()
    {
        Facility = Facility.AuthPriv,
        Severity = Severity.Informational,
        Timestamp = at,
        ReceivedAt = at,
        Hostname = "server",
        AppName = program,
        ProcId = pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Message = text,
        Origin = new Origin(Transport.Unix, null, -1, "/dev/log", -1, "local"),
    };

    /// <summary>The rule's snapshot() as a bucket hands it over; fails the test on an error.</summary>
    public byte[] Snapshot()
    {
        var (state, error) = lua.Snapshot();
        Assert.Null(error);
        return Assert.IsType<byte[]>(state);
    }

    public void Restore(byte[] state) => Assert.Null(lua.Restore(state));

    public void Ban(BanRequested ban) => Bans.Add(ban);

    public void Inject(SyslogMessage message) => Logged.Add(message.Message);

    public void InjectionRefused(SyslogMessage message) => Errors.Add(new RuleError("sshblock", "syslog", $"refused at the generation limit: {message.Message}"));

    public void Alert(AlertRaised alert) => throw new InvalidOperationException("sshblock raised an alert");

    public void Exec(ExecRequested exec) => throw new InvalidOperationException("sshblock ran a program");

    public void Write(FileWriteRequested write) => throw new InvalidOperationException("sshblock wrote a file");

    public void Relay(RelayRequested relay) => throw new InvalidOperationException("sshblock relayed");

    public void SetAlarm(TimeSpan interval)
    {
    }

    public void Dispose() => lua.Dispose();
}
