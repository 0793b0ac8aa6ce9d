using Syslogintr.Alerts;
using Syslogintr.Alerts.Mail;
using Syslogintr.Alerts.Replication;
using Syslogintr.Ingest;

namespace Syslogintr.Tests.Cluster;

public static partial class WireSamples
{
    private static readonly DateTimeOffset OpsT0 = new(2026, 12, 1, 18, 0, 0, TimeSpan.FromHours(1));

    /// <summary>The alert owner's messages and its replicated record, with every optional field both set and not.</summary>
    public static IEnumerable<object> Ops() =>
    [
        new AlertRaised("probe/web", "web is down", "web: connection refused\nsecond line", Severity.Critical, "probe/web", OpsT0),
        new AlertCleared("probe/web", "probe/web", OpsT0.AddSeconds(5)),
        new AlertForwarded(1, new AlertRaised("sshblock/1.2.3.4", "ÄÖ ünïcode", "", Severity.Warning, "sshblock", OpsT0)),
        new AlertForwarded(long.MaxValue, new AlertCleared("k", "s", OpsT0)),
        new AlertReceived(42),
        AlertRecord.Empty,
        new AlertRecord(
            new AlertSnapshot(
                [
                    new ActiveAlert("probe/web", "web is down", "refused", Severity.Critical, "probe/web", OpsT0, null),
                    new ActiveAlert("rule/x", "x", "y", Severity.Error, "rule", OpsT0, OpsT0.AddMinutes(1), OpsT0.AddMinutes(2)),
                ],
                [
                    new Notice(NoticeKind.Raised, new ActiveAlert("probe/web", "web is down", "refused", Severity.Critical, "probe/web", OpsT0, null), OpsT0),
                    new Notice(NoticeKind.Expired, new ActiveAlert("rule/x", "x", "y", Severity.Error, "rule", OpsT0, OpsT0, OpsT0), OpsT0.AddHours(1)),
                ],
                [OpsT0, OpsT0.AddMinutes(3)],
                OpsT0.AddMinutes(4)),
            [new MailRequested("[syslogintr a] DOWN: web is down", "body\n", OpsT0, "0123abcd"), new MailRequested("s", "b", OpsT0)]),
    ];
}
