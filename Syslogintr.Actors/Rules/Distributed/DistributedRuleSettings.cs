using Syslogintr.Hosting;

namespace Syslogintr.Rules.Distributed;

/// <summary>The <c>syslogintr.cluster</c> keys of partitioned and singleton rules, read once at start.</summary>
public sealed record DistributedRuleSettings(TimeSpan AckTimeout, int BucketCredit)
{
    private const string Section = "syslogintr.cluster.";

    /// <summary>
    /// How long a bucket waits for a majority when it stores its snapshot at hand-off, and its successor when it
    /// reads it (then it reads the local replica): short, as the hand-off and the bucket's first messages wait for it.
    /// </summary>
    public static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(3);

    public static DistributedRuleSettings From(SettingsReader settings) => new(
        settings.Duration(Section + "ack-timeout", TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
        settings.Int(Section + "bucket-credit", 1, int.MaxValue));
}
