using Akka.Actor;
using Syslogintr.Cluster.Wire;

namespace Syslogintr.Tests.Cluster;

/// <summary>What WireFallbackTests checks, as a function, so a test can also show that it finds what it looks for.</summary>
public static class WireCoverage
{
    /// <summary>The types of <c>Syslogintr.Actors</c> that may cross nodes.</summary>
    public static IReadOnlyList<Type> ClusterMessageTypes() =>
    [
        .. typeof(IClusterMessage).Assembly.GetTypes()
            .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal),
    ];

    /// <returns>One line per problem: a type without codec or sample, a sample that falls back to another serializer or does not round-trip.</returns>
    public static IReadOnlyList<string> Problems(ActorSystem system, IEnumerable<Type> types, IReadOnlyList<(string Part, object Sample)> samples)
    {
        var problems = new List<string>();
        foreach (var type in types)
        {
            if (!WireCodecs.All.Any(c => c.Type == type))
            {
                problems.Add($"{type.FullName} implements IClusterMessage but has no codec in WireCodecs.All");
            }

            if (!samples.Any(s => s.Sample.GetType() == type))
            {
                problems.Add($"{type.FullName} has no sample: add one to a WireSamples.<Part>.cs (public static IEnumerable<object> <Part>())");
            }
        }

        problems.AddRange(WireCodecs.All
            .Where(c => !typeof(IClusterMessage).IsAssignableFrom(c.Type))
            .Select(c => $"codec '{c.Manifest}' is for {c.Type.FullName}, which does not implement IClusterMessage: Akka never hands it to SyslogintrSerializer"));

        foreach (var (part, sample) in samples)
        {
            if (RoundTripProblem(system, sample) is { } problem)
            {
                problems.Add($"WireSamples.{part}(): {sample.GetType().FullName}: {problem}");
            }
        }

        return problems;
    }

    private static string? RoundTripProblem(ActorSystem system, object sample)
    {
        var serializer = system.Serialization.FindSerializerFor(sample);
        if (serializer is not SyslogintrSerializer)
        {
            return $"serialized by {serializer.GetType().Name}, not SyslogintrSerializer (a fallback: does it implement IClusterMessage?)";
        }

        try
        {
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            var back = system.Serialization.Deserialize(serializer.ToBinary(sample), serializer.Identifier, manifest);
            return WireEquality.Difference(sample, back, "sample") is { } difference ? $"does not round-trip: {difference}" : null;
        }
        catch (Exception e)
        {
            return $"does not round-trip: {e.GetType().Name}: {e.Message}";
        }
    }
}
