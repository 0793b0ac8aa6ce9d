namespace Syslogintr.Http;

/// <summary>What the node's HTTP endpoint serves.</summary>
public static class HttpPaths
{
    /// <summary>Every counter of the node in Prometheus text format.</summary>
    public const string Metrics = "/metrics";

    /// <summary>The status page (HTML, renders <see cref="Status"/>).</summary>
    public const string Page = "/";

    /// <summary>The node's status as JSON (<see cref="NodeStatus"/>).</summary>
    public const string Status = "/api/status";

    /// <summary>Messages live as JSON lines, filtered by <c>select</c> and <c>program</c> (<see cref="TailStream"/>).</summary>
    public const string Tail = "/api/tail";

    /// <summary>200 while every listener is bound and the router answers, else 503 with the reasons.</summary>
    public const string Health = "/healthz";

    /// <summary>200 once the node has started, 503 while it starts or stops.</summary>
    public const string Ready = "/readyz";
}
