using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// AIX's syslogd relays as <c>Mmm dd hh:mm:ss Message forwarded from HOST: tag[pid]: text</c>, where the ordinary rules
/// read host "Message" and program "forwarded". Like rsyslog's pmaixforwardedfrom module (README, "Parsing"): the
/// preamble where the host name belongs is dropped, and so is the colon after HOST, leaving an ordinary header.
/// </summary>
internal static class AixForwardedFrom
{
    /// <summary>rsyslog looks for the preamble at this fixed place: after a "Mmm dd hh:mm:ss " timestamp.</summary>
    private const int TimestampLength = 16;

    /// <summary>The timestamp, the preamble, a one-letter host, ": " and more (rsyslog's lower bound).</summary>
    private const int MinLength = 42;

    private static ReadOnlySpan<byte> Preamble => "Message forwarded from "u8;

    /// <summary>The text without the preamble (and HOST's colon), when it has one after leading spaces.</summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> text, [NotNullWhen(true)] out byte[]? unwrapped)
    {
        unwrapped = null;
        var at = text.IndexOfAnyExcept((byte)' ') + TimestampLength;
        if (at < TimestampLength || text.Length - at + TimestampLength < MinLength
            || !Ascii.EqualsIgnoreCase(text.Slice(at, Preamble.Length), Preamble))
        {
            return false;
        }

        var host = text[(at + Preamble.Length)..];
        var hostLength = host.IndexOfAny((byte)' ', (byte)':');

        // "Message forwarded from HOST text" is not AIX's form, yet rsyslog drops the preamble all the same.
        unwrapped = hostLength >= 0 && host[hostLength] == ':'
            ? [.. text[..at], .. host[..hostLength], .. host[(hostLength + 1)..]]
            : [.. text[..at], .. host];
        return true;
    }
}
