using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>
/// What a probe checks, as plain data: the kind is the type, its parameters the fields. The check itself is built
/// from it where it runs (<see cref="ProbeFactory"/>), so settings can be compared, logged and sent like any message.
/// </summary>
public abstract record ProbeTarget;

/// <summary><c>kind = http-status</c>: Apache's <c>server-status?auto</c> page, with basic auth when a user is set.</summary>
public sealed record HttpStatusTarget(Uri Url, string? User, string? Password) : ProbeTarget
{
    // The password is read from its secret file; it must not reach a log line through the record's ToString.
    public override string ToString() => $"http-status {Url}{(User is null ? "" : $" as {User}")}";
}

/// <summary><c>kind = pidfile</c>: the process named in a pid file runs (and, when set, has this name).</summary>
public sealed record PidFileTarget(string Path, string? ProcessName) : ProbeTarget;

/// <summary><c>kind = tcp</c>: something accepts connections on host:port.</summary>
public sealed record TcpTarget(string Host, int Port) : ProbeTarget;

/// <summary><c>kind = exec</c>: a program (no shell) exits with 0.</summary>
public sealed record ExecTarget(IReadOnlyList<string> Argv) : ProbeTarget
{
    public bool Equals(ExecTarget? other) => other is not null && Argv.SequenceEqual(other.Argv, StringComparer.Ordinal);

    public override int GetHashCode() => Argv.Aggregate(0, (hash, arg) => HashCode.Combine(hash, arg));

    public override string ToString() => $"exec [{string.Join(", ", Argv)}]";
}

/// <summary><c>kind = lua</c>: a check function of a rule's script decides up or down.</summary>
public sealed record LuaCheckTarget(RuleDefinition Rule, string Function) : ProbeTarget;
