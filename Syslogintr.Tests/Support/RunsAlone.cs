namespace Syslogintr.Tests.Support;

/// <summary>Tests in this collection run after the parallel ones, one at a time: for timing bounds and load generators.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
