using System.Globalization;
using Syslogintr.Http;

namespace Syslogintr.Node.Commands;

/// <summary>
/// A tailed message as one syslog-like line — <c>Dec  1 23:42:24 host auth.err sshd[12]: text</c> — coloured by
/// severity as the original's <c>realtime.lua</c> viewer colours it, when colour is on.
/// </summary>
public static class TailLine
{
    private const string Reset = "\e[0m";

    /// <summary>realtime.lua's colours: bold red for emerg, red down to err, bold yellow, bold green, green, bold blue.</summary>
    private static readonly Dictionary<string, string> Colours = new()
    {
        ["emerg"] = "\e[1;31m",
        ["alert"] = "\e[0;31m",
        ["crit"] = "\e[0;31m",
        ["err"] = "\e[0;31m",
        ["warning"] = "\e[1;33m",
        ["notice"] = "\e[1;32m",
        ["info"] = "\e[0;32m",
        ["debug"] = "\e[1;34m",
    };

    public static string Format(TailMessage m, bool colour)
    {
        var time = (m.Timestamp ?? m.Received).ToLocalTime();
        // The month and a space-padded day, as syslog files write them (invariant: "Dec", never a localized name).
        var stamp = time.ToString("MMM", CultureInfo.InvariantCulture) + time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(3) + time.ToString(" HH:mm:ss", CultureInfo.InvariantCulture);
        var program = m.AppName is null ? "" : m.ProcId is null ? $"{m.AppName}: " : $"{m.AppName}[{m.ProcId}]: ";
        var line = $"{stamp} {m.Hostname ?? m.Remote ?? "-"} {m.Facility}.{m.Severity} {program}{Printable(m.Msg)}";
        return colour && Colours.TryGetValue(m.Severity, out var code) ? code + line + Reset : line;
    }

    /// <summary>Colour on a terminal only, and never when <c>NO_COLOR</c> is set to anything (no-color.org).</summary>
    public static bool UseColour(bool terminal, string? noColor) => terminal && string.IsNullOrEmpty(noColor);

    /// <summary>A message's control characters (an escape sequence a sender put in it, a newline) shown, not obeyed, by the terminal.</summary>
    private static string Printable(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString())) : text;
}
