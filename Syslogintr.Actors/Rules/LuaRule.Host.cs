using System.Diagnostics;
using System.Net;
using KeraLua;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Pipeline;
using Syslogintr.Sinks;

namespace Syslogintr.Rules;

/// <summary>
/// The C# side of the script's functions. The Lua wrappers in prelude.lua check the arguments and raise the
/// errors; these never raise (a longjmp across .NET frames is not supported): they return nothing on success
/// or an error text, which the wrapper raises.
/// </summary>
public sealed partial class LuaRule
{
    private int HostAlarm(IntPtr state) => Guard(state, l =>
    {
        var seconds = l.ToNumber(1);
        if (seconds < 0 || double.IsNaN(seconds))
        {
            return "alarm: the interval must not be negative";
        }

        effects.SetAlarm(TimeSpan.FromSeconds(seconds));
        return null;
    });

    private int HostRelay(IntPtr state) => Guard(state, l =>
    {
        var destination = new RelayDestination(l.ToString(1, false), l.ToString(2, false), (int)l.ToInteger(3));
        var rfc5424 = l.ToBoolean(4);
        var error = ReadMessage(l, 5, rfc5424, out var message);
        if (error is null)
        {
            effects.Relay(new RelayRequested(destination, message!, rfc5424, rule.Name));
        }

        return error;
    });

    private int HostAlert(IntPtr state) => Guard(state, l =>
    {
        var severityName = l.ToString(4, false);
        if (!LuaNames.TryParseLevel(severityName, out var severity))
        {
            return $"alert: '{severityName}' is not a level name";
        }

        effects.Alert(new AlertRaised(l.ToString(1, false), l.ToString(2, false), l.ToString(3, false), severity, rule.Name, clock.GetUtcNow()));
        return null;
    });

    private int HostBan(IntPtr state) => Guard(state, l =>
    {
        var ip = l.ToString(1, false);
        // Strict: IPAddress.TryParse would read 192.030.0.6 as octal and ban someone else.
        if (!BanTarget.TryParse(ip, out var target))
        {
            return $"ban: '{ip}' is not an IP address or network";
        }

        var seconds = l.ToNumber(2);
        if (!(seconds > 0))
        {
            return "ban: seconds must be positive";
        }

        effects.Ban(new BanRequested(target.Text, TimeSpan.FromSeconds(seconds), l.ToString(3, false), rule.Name));
        return null;
    });

    private int HostWrite(IntPtr state) => Guard(state, l =>
    {
        var path = l.ToString(1, false);
        var refused = PathRefused(path, write: true);
        if (refused is not null)
        {
            return "write: " + refused;
        }

        effects.Write(new FileWriteRequested(Path.GetFullPath(path), l.ToString(2, false), rule.Name));
        return null;
    });

    private int HostExec(IntPtr state) => Guard(state, l =>
    {
        var count = (int)l.RawLen(1);
        var argv = new string[count];
        for (var i = 0; i < count; i++)
        {
            l.RawGetInteger(1, i + 1);
            argv[i] = l.ToString(-1, false);
            l.Pop(1);
        }

        effects.Exec(new ExecRequested(argv, TimeSpan.FromSeconds(l.ToNumber(2)), rule.Name));
        return null;
    });

    private int HostSyslog(IntPtr state) => Guard(state, l =>
    {
        var levelName = l.ToString(1, false);
        if (!LuaNames.TryParseLevel(levelName, out var level))
        {
            return $"syslog: '{levelName}' is not a level name";
        }

        var facility = Facility.Syslog;
        if (l.Type(3) == LuaType.String && !LuaNames.TryParseFacility(l.ToString(3, false), out facility))
        {
            return $"syslog: '{l.ToString(3, false)}' is not a facility name";
        }

        var message = messages.Create(
            rule.Name,
            facility,
            level,
            l.Type(4) == LuaType.String ? l.ToString(4, false) : rule.Name,
            l.ToString(2, false),
            generation: (current?.Generation ?? 0) + 1);
        if (InternalMessages.BeyondLimit(message, rule.MaxGeneration))
        {
            effects.InjectionRefused(message);
        }
        else
        {
            effects.Inject(message);
        }

        return null;
    });

    private int HostNow(IntPtr state)
    {
        Lua.FromIntPtr(state).PushInteger(clock.GetUtcNow().ToUnixTimeSeconds());
        return 1;
    }

    /// <summary>Asked by the budget hook: has the current call run longer than the rule's time budget?</summary>
    private int HostOvertime(IntPtr state)
    {
        Lua.FromIntPtr(state).PushBoolean(Stopwatch.GetElapsedTime(callStarted) > rule.TimeBudget);
        return 1;
    }

    /// <summary>A trusted script enters a call that may block (os.execute, io.popen, file I/O): its time stops counting.</summary>
    private int HostPause(IntPtr state)
    {
        pausedAt = Stopwatch.GetTimestamp();
        return 0;
    }

    /// <summary>...and the call returned: the time it blocked moves the call's start on, out of the budget.</summary>
    private int HostResume(IntPtr state)
    {
        if (pausedAt != 0)
        {
            callStarted += Stopwatch.GetTimestamp() - pausedAt;
            pausedAt = 0;
        }

        return 0;
    }

    private int HostAllowed(IntPtr state) => Guard(state, l => PathRefused(l.ToString(1, false), l.ToBoolean(2)));

    /// <summary>Null when a sandboxed script may open <paramref name="path"/>: inside an allowed path, or for reading, the rules path.</summary>
    private string? PathRefused(string path, bool write)
    {
        if (rule.Trusted)
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        var roots = write ? rule.AllowedPaths : [.. rule.AllowedPaths, .. rule.LibraryPaths];
        foreach (var root in roots)
        {
            var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
            if (full.StartsWith(prefix, StringComparison.Ordinal) || full == root)
            {
                return null;
            }
        }

        return $"'{path}' is outside the paths this rule may {(write ? "write" : "read")} (allowed-paths)";
    }

    /// <summary>Runs a host function; whatever goes wrong becomes an error text for the Lua wrapper to raise.</summary>
    private static int Guard(IntPtr state, Func<Lua, string?> body)
    {
        var l = Lua.FromIntPtr(state);
        string? error;
        try
        {
            error = body(l);
        }
        catch (Exception e)
        {
            error = e.Message;
        }

        if (error is null)
        {
            return 0;
        }

        l.PushString(error);
        return 1;
    }

    /// <summary>The (possibly rewritten) Lua message table as a message to send on.</summary>
    private string? ReadMessage(Lua l, int table, bool rfc5424, out SyslogMessage? message)
    {
        message = null;
        var facilityName = Field(l, table, "facility") ?? "user";
        if (!LuaNames.TryParseFacility(facilityName, out var facility))
        {
            return $"relay: '{facilityName}' is not a facility name";
        }

        var levelName = Field(l, table, "level") ?? "notice";
        if (!LuaNames.TryParseLevel(levelName, out var level))
        {
            return $"relay: '{levelName}' is not a level name";
        }

        var now = clock.GetUtcNow();
        var seconds = IntegerField(l, table, "logtimestamp") ?? IntegerField(l, table, "timestamp");
        var remote = BooleanField(l, table, "remote") ?? false;
        var program = Field(l, table, "program");
        var pid = IntegerField(l, table, "pid") ?? 0;
        var (timestamp, precision, zulu) = RelayedTimestamp(seconds, now);
        var (structuredData, structuredDataText) = rfc5424 ? RelayedStructuredData(l, table) : ([], null);
        message = new SyslogMessage
        {
            Facility = facility,
            Severity = level,
            Version = rfc5424 ? 1 : 0,
            Timestamp = timestamp,
            TimestampPrecision = precision,
            TimestampZulu = zulu,
            ReceivedAt = now,
            Hostname = remote ? RelayedHost(l, table) : hostName,
            AppName = (rfc5424 ? Field(l, table, "app_name") : null) ?? (string.IsNullOrEmpty(program) ? null : program),
            ProcId = (rfc5424 ? Field(l, table, "procid") : null) ?? RelayedProcId(program, pid),
            MsgId = rfc5424 ? Field(l, table, "msgid") : null,
            StructuredData = structuredData,
            StructuredDataText = structuredDataText,
            Message = Field(l, table, "msg") ?? "",
            Origin = RelayedOrigin(remote),
            Format = rfc5424 ? SyslogFormat.Rfc5424 : SyslogFormat.Rfc3164,
            Generation = current?.Generation ?? 0,
            InjectedBy = rule.Name,
        };
        return null;
    }

    /// <summary>
    /// The origin the relay's wire format goes by: it writes a header host for network messages only, and the
    /// original's <c>relay()</c> did so exactly when the table says <c>remote = true</c> — brevard.lua relays its
    /// own local lines as from its public address that way — so the table's <c>remote</c> decides.
    /// </summary>
    private Origin RelayedOrigin(bool remote)
    {
        var origin = current?.Origin ?? Origin.Internal;
        var network = origin.Transport is Transport.Udp or Transport.Tcp or Transport.Tls;
        return remote == network ? origin : origin with { Transport = remote ? Transport.Udp : Transport.Internal };
    }

    /// <summary>
    /// The relayed header's host. The original wrote <c>host</c> there, and its scripts set it to name another
    /// origin (brevard.lua its public address); left as we gave it (an address), the header's <c>hostname</c> goes
    /// out instead, so a relay does not turn names into addresses.
    /// </summary>
    private string? RelayedHost(Lua l, int table)
    {
        var host = Field(l, table, "host");
        var hostname = Field(l, table, "hostname");
        var untouched = current is not null && host == LuaMessageFields.Host(current);
        return untouched && !string.IsNullOrEmpty(hostname) ? hostname : host;
    }

    /// <summary>
    /// The table's <c>pid</c> is a number, but a PROCID need not be (<c>a/b-c_d.e[abc-7]</c>): while the table still
    /// names the message's own program and pid, the message's PROCID text goes out.
    /// </summary>
    private string? RelayedProcId(string? program, long pid) =>
        current is not null && pid == LuaMessageFields.Pid(current) && (program ?? "") == LuaMessageFields.Program(current)
            ? current.ProcId
            : pid != 0 ? pid.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// The table holds whole seconds in UTC: while they are still the message's own, its timestamp goes out as the
    /// sender wrote it — the fraction, its precision and the sender's offset (<c>Z</c> too).
    /// </summary>
    private (DateTimeOffset Timestamp, int? Precision, bool Zulu) RelayedTimestamp(long? seconds, DateTimeOffset now)
    {
        if (seconds is not { } s)
        {
            return (now, null, false);
        }

        return current is not null && s == LuaMessageFields.LogTimestamp(current)
            ? (current.Timestamp ?? current.ReceivedAt, current.Timestamp is null ? null : current.TimestampPrecision, current.Timestamp is not null && current.TimestampZulu)
            : (DateTimeOffset.FromUnixTimeSeconds(s), null, false);
    }

    /// <summary>
    /// The table's <c>sd</c> is a view (one value per name, no order): while it still shows the message's own
    /// structured data, that goes out exactly as received — element order, repeated names, escapes.
    /// </summary>
    private (IReadOnlyList<StructuredDataElement> Elements, string? Text) RelayedStructuredData(Lua l, int table)
    {
        var elements = ReadStructuredData(l, table);
        if (current is not null && SameView(elements, current.StructuredData))
        {
            return (current.StructuredData, current.StructuredDataText);
        }

        return (elements, null);
    }

    /// <summary>Whether <paramref name="view"/> (read from a Lua table) is what <see cref="PushMessage"/> made of <paramref name="original"/>.</summary>
    private static bool SameView(List<StructuredDataElement> view, IReadOnlyList<StructuredDataElement> original)
    {
        var expected = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var element in original)
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in element.Parameters)
            {
                parameters[name] = value; // as Lua's SetField: the last of a repeated name
            }

            expected[element.Id] = parameters;
        }

        return view.Count == expected.Count && view.All(e =>
            expected.TryGetValue(e.Id, out var parameters) && parameters.Count == e.Parameters.Count
            && e.Parameters.All(p => parameters.TryGetValue(p.Key, out var value) && value == p.Value));
    }

    private static List<StructuredDataElement> ReadStructuredData(Lua l, int table)
    {
        var elements = new List<StructuredDataElement>();
        l.PushString("sd");
        if (l.RawGet(table) == LuaType.Table)
        {
            var sd = l.GetTop();
            l.PushNil();
            while (l.Next(sd))
            {
                if (l.Type(-2) == LuaType.String && l.Type(-1) == LuaType.Table)
                {
                    var id = l.ToString(-2, false);
                    var parameters = new List<KeyValuePair<string, string>>();
                    var element = l.GetTop();
                    l.PushNil();
                    while (l.Next(element))
                    {
                        if (l.Type(-2) == LuaType.String && l.Type(-1) is LuaType.String or LuaType.Number)
                        {
                            var name = l.ToString(-2, false);
                            l.PushCopy(-1);
                            parameters.Add(new(name, l.ToString(-1, false)));
                            l.Pop(1);
                        }

                        l.Pop(1);
                    }

                    elements.Add(new StructuredDataElement(id, [.. parameters.OrderBy(p => p.Key, StringComparer.Ordinal)]));
                }

                l.Pop(1);
            }
        }

        l.Pop(1);
        elements.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return elements;
    }

    private static string? Field(Lua l, int table, string key)
    {
        l.PushString(key);
        var type = l.RawGet(table);
        string? value = null;
        if (type is LuaType.String or LuaType.Number)
        {
            value = l.ToString(-1, false);
        }

        l.Pop(1);
        return value;
    }

    private static long? IntegerField(Lua l, int table, string key)
    {
        l.PushString(key);
        var type = l.RawGet(table);
        long? value = type == LuaType.Number ? (long)l.ToNumber(-1) : null;
        l.Pop(1);
        return value;
    }

    private static bool? BooleanField(Lua l, int table, string key)
    {
        l.PushString(key);
        var type = l.RawGet(table);
        bool? value = type == LuaType.Boolean ? l.ToBoolean(-1) : null;
        l.Pop(1);
        return value;
    }
}
