namespace Syslogintr.Sinks.Formatting;

/// <summary>How a sink writes a message as one line of text.</summary>
public enum OutputFormat
{
    /// <summary>rsyslog's RSYSLOG_TraditionalFileFormat: <c>Mmm dd HH:mm:ss host tag: msg</c>.</summary>
    Traditional,

    /// <summary>rsyslog's RSYSLOG_FileFormat: an RFC 3339 timestamp with microseconds and offset, then as traditional.</summary>
    Rfc3339,

    /// <summary>The RFC 5424 wire format, without framing.</summary>
    Rfc5424,
}

public static class OutputFormats
{
    public static OutputFormat Parse(string text) => text.ToLowerInvariant() switch
    {
        "traditional" or "rfc3164" => OutputFormat.Traditional,
        "rfc3339" or "high-precision" => OutputFormat.Rfc3339,
        "rfc5424" => OutputFormat.Rfc5424,
        _ => throw new ArgumentException($"unknown format '{text}' (traditional, rfc3339 or rfc5424)"),
    };
}
