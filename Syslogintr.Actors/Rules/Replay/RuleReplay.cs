using Syslogintr.Ingest;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Rules.Replay;

/// <summary>
/// Feeds a log file through one rule with nothing executed (our fail2ban-regex): the log's timestamps drive the
/// rule's clock, <c>alarm_handler()</c> runs whenever the replayed time passes an alarm, every action is printed
/// as a JSON line, and a summary line ends the output.
/// </summary>
/// <param name="origin">The sender every line is taken to come from; null for <see cref="ReplayOrigin.File"/>.</param>
public sealed class RuleReplay(RuleDefinition rule, TextWriter output, TextWriter errors, Facility defaultFacility, Severity defaultSeverity, Origin? origin = null)
{
    public long Lines { get; private set; }

    public long Messages { get; private set; }

    public long Errors { get; private set; }

    /// <summary>Replays <paramref name="input"/>; <paramref name="progress"/> gets the fraction read. Throws <see cref="RuleLoadException"/> if the script does not load.</summary>
    public void Run(Stream input, Action<double>? progress = null)
    {
        var clock = new ReplayClock(DateTimeOffset.UtcNow);
        var effects = new JsonLinesEffects(output);
        var reader = new LogLineReader(clock, defaultFacility, defaultSeverity, clock.Now, origin);
        var match = MessageFilter.Compile(rule.Match);
        using var lua = LuaRule.Load(rule, effects, clock, "localhost", effects);
        DateTimeOffset? nextAlarm = null;
        var alarmInterval = TimeSpan.Zero;
        using var text = new StreamReader(input);
        var lastReported = -1;
        while (text.ReadLine() is { } line)
        {
            Lines++;
            var message = reader.Read(line);
            if (message is null)
            {
                continue;
            }

            var at = message.Timestamp ?? clock.Now;
            if (Messages == 0 && nextAlarm is null)
            {
                clock.Now = at;
            }

            if (effects.AlarmInterval != alarmInterval)
            {
                alarmInterval = effects.AlarmInterval;
                nextAlarm = alarmInterval > TimeSpan.Zero ? clock.Now + alarmInterval : null;
            }

            while (nextAlarm is { } due && due <= at)
            {
                clock.Now = due;
                Report(lua.CallHook("alarm_handler"));
                nextAlarm = effects.AlarmInterval > TimeSpan.Zero ? due + effects.AlarmInterval : null;
                alarmInterval = effects.AlarmInterval;
            }

            clock.Now = at;
            if (!match.Accepts(message))
            {
                continue;
            }

            Messages++;
            Report(lua.Deliver(message));
            if (progress is not null && input.CanSeek && input.Length > 0)
            {
                var percent = (int)(input.Position * 100 / input.Length);
                if (percent != lastReported)
                {
                    lastReported = percent;
                    progress(percent / 100.0);
                }
            }
        }

        Report(lua.CallHook("cleanup"));
        var actions = string.Join(',', effects.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"\"{c.Key}\":{c.Value}"));
        output.WriteLine($"{{\"summary\":{{\"lines\":{Lines},\"messages\":{Messages},\"actions\":{{{actions}}},\"errors\":{Errors}}}}}");
    }

    private void Report(RuleError? error)
    {
        if (error is not null)
        {
            Errors++;
            errors.WriteLine($"rule error in {error.Hook}(): {error.Message}");
        }
    }
}
