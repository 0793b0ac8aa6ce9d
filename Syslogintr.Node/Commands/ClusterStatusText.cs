using System.Text;
using Syslogintr.Cluster;

namespace Syslogintr.Node.Commands;

/// <summary>A <see cref="ClusterStatusReport"/> as <c>cluster status</c> prints it: one section per question an operator asks.</summary>
public static class ClusterStatusText
{
    public static string Format(ClusterStatusReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"asked: {report.Node}");
        text.AppendLine($"leader: {report.Leader ?? "(none)"}");
        var up = report.Members.Count(m => m.Status == "Up");
        var unreachable = report.Reachability.SelectMany(v => v.Unreachable).Concat(report.Silent).Distinct().Count();
        text.AppendLine($"members: {report.Members.Count}, up: {up}, unreachable: {unreachable}");
        TextTable.Append(text, ["address", "status", "age", "roles"], report.Members.Select(m => new[] { m.Address, m.Status, m.Age.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Roles }));

        text.AppendLine("reachability (each member's own failure detector):");
        foreach (var view in report.Reachability)
        {
            text.AppendLine($"  {view.Observer} sees {(view.Unreachable.Count == 0 ? "every member" : "unreachable: " + string.Join(", ", view.Unreachable))}");
        }

        foreach (var silent in report.Silent)
        {
            text.AppendLine($"  {silent} did not answer within {ClusterStatusActor.PeerTimeout.TotalSeconds:0}s");
        }

        text.AppendLine("singletons (on the oldest Up member carrying the role):");
        foreach (var singleton in report.Singletons)
        {
            text.AppendLine($"  role {singleton.Role}: {singleton.Address ?? "(no member carries it)"}");
        }

        if (report.Buckets.Count == 0)
        {
            text.AppendLine("buckets: no sharded types started on this node");
        }
        else
        {
            text.AppendLine("buckets (shards and entities per node, per sharded type):");
            TextTable.Append(text, ["type", "node", "shards", "entities"], report.Buckets.Select(b => new[]
            {
                b.TypeName, b.Address, b.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Entities.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
        }

        foreach (var problem in report.Problems)
        {
            text.AppendLine($"problem: {problem}");
        }

        return text.ToString();
    }
}
