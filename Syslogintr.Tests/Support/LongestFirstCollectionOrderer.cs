using Syslogintr.Tests.Original;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Syslogintr.Tests.Support;

/// <summary>
/// Starts the parallel collections that take longest first. xUnit runs as many collections at once as there are
/// cores and otherwise orders them by an arbitrary id: the in-process clusters (minutes of failure detection, one
/// test after another) started last of all and ran alone for four minutes on CI's 2 cores. Started first, they
/// run alongside everything else. The serial collection runs after all of these whatever its place here.
/// </summary>
public sealed class LongestFirstCollectionOrderer : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.UniqueID);

    private static int Rank(ITestCollection collection) => collection.DisplayName switch
    {
        ClusterCollection.Name => 0,
        ClusterProcessesCollection.Name => 1,
        OriginalScriptsCollection.Name => 2,
        _ => 3,
    };
}
