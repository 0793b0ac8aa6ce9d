namespace Syslogintr.Ingest.Parsing;

/// <summary>What a format parser read from the header and body; <see cref="SyslogParser"/> makes the record from it.</summary>
internal struct ParsedFields
{
    public DateTimeOffset? Timestamp;
    public int? TimestampPrecision;
    public bool TimestampZulu;
    public string? Hostname;
    public string? AppName;
    public string? ProcId;
    public string? MsgId;
    public IReadOnlyList<StructuredDataElement> StructuredData;
    public string? StructuredDataText;
    public string Message;
}
