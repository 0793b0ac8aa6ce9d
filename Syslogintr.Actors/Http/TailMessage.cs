using System.Text.Json;
using Syslogintr.Ingest;

namespace Syslogintr.Http;

/// <summary>
/// One message as <c>/api/tail</c> streams it (a JSON line, camelCase) and <c>syslogintr tail</c> reads it. The
/// stream's other lines are <c>{"viewer":NAME}</c> first (the router consumer whose counters are this viewer's) and
/// <c>{"dropped":N}</c> whenever N more messages were dropped because the viewer read too slowly.
/// </summary>
public sealed record TailMessage(
    DateTimeOffset Received,
    DateTimeOffset? Timestamp,
    string? Hostname,
    string? AppName,
    string? ProcId,
    string Facility,
    string Severity,
    string Msg,
    string Listener,
    string? Remote)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static TailMessage From(SyslogMessage m) => new(
        m.ReceivedAt, m.Timestamp, m.Hostname, m.AppName, m.ProcId, m.Facility.Name(), m.Severity.Name(), m.Message, m.Origin.Listener, m.Origin.RemoteAddress);
}
