using Akka.Configuration;

namespace Syslogintr.Hosting.Checking;

/// <summary>One mistake in a configuration file, said the way compilers do: <c>FILE:LINE: key: plain sentence</c>.</summary>
public sealed record ConfigProblem(string File, int Line, string Key, string Message)
{
    /// <summary>The file name given for a key that only the embedded defaults hold (a default listener's port in use).</summary>
    public const string BuiltIn = "<built-in syslogintr.conf>";

    public override string ToString() => $"{File}:{Line}: {Key}: {Message}";
}

/// <summary>A configuration the node refuses to start with: every problem found, each one line.</summary>
public sealed class ConfigProblemsException(IReadOnlyList<ConfigProblem> problems)
    : ConfigurationException(string.Join('\n', problems))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
