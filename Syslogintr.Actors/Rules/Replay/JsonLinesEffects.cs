using System.Text.Json;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Sinks;

namespace Syslogintr.Rules.Replay;

/// <summary>Dry-run effects for <c>syslogintr test-rule</c>: nothing is executed; each action is one JSON line.</summary>
public sealed class JsonLinesEffects(TextWriter output) : IRuleEffects, IStandInRecorder
{
    private readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Counts => counts;

    /// <summary>The interval of the last <c>alarm()</c> call; zero when none is set.</summary>
    public TimeSpan AlarmInterval { get; private set; }

    public void Alert(AlertRaised alert) => Emit("alert", w =>
    {
        w.WriteString("key", alert.Key);
        w.WriteString("subject", alert.Subject);
        w.WriteString("body", alert.Body);
        w.WriteString("severity", alert.Severity.LuaName());
    });

    public void Ban(BanRequested ban) => Emit("ban", w =>
    {
        w.WriteString("ip", ban.Address);
        w.WriteNumber("seconds", ban.Duration.TotalSeconds);
        w.WriteString("reason", ban.Reason);
    });

    public void Exec(ExecRequested exec) => Emit("exec", w =>
    {
        w.WriteStartArray("argv");
        foreach (var arg in exec.Argv)
        {
            w.WriteStringValue(arg);
        }

        w.WriteEndArray();
        w.WriteNumber("timeout", exec.Timeout.TotalSeconds);
    });

    public void Write(FileWriteRequested write) => Emit("write", w =>
    {
        w.WriteString("path", write.Path);
        w.WriteString("line", write.Line);
    });

    public void Relay(RelayRequested relay) => Emit("relay", w =>
    {
        w.WriteString("kind", relay.Destination.Kind);
        w.WriteString("target", relay.Destination.Target);
        w.WriteNumber("port", relay.Destination.Port);
        w.WriteString("format", relay.Rfc5424 ? "rfc5424" : "rfc3164");
        WriteMessage(w, relay.Message);
    });

    public void Inject(SyslogMessage message) => Emit("syslog", w => WriteMessage(w, message));

    public void InjectionRefused(SyslogMessage message) => Emit("syslog_refused", w => WriteMessage(w, message));

    public void Record(string action, string key, string value, string? mode) => Emit(action, w =>
    {
        w.WriteString(key, value);
        if (mode is not null)
        {
            w.WriteString("mode", mode);
        }
    });

    public void SetAlarm(TimeSpan interval) => AlarmInterval = interval;

    private static void WriteMessage(Utf8JsonWriter w, SyslogMessage m)
    {
        w.WriteString("facility", m.Facility.LuaName());
        w.WriteString("level", m.Severity.LuaName());
        w.WriteString("host", m.Hostname);
        w.WriteString("program", m.AppName);
        w.WriteString("pid", m.ProcId);
        w.WriteString("msg", m.Message);
    }

    private void Emit(string action, Action<Utf8JsonWriter> fields)
    {
        counts[action] = counts.GetValueOrDefault(action) + 1;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("action", action);
            fields(w);
            w.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
