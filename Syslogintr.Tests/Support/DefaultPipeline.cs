using Syslogintr.Hosting;

namespace Syslogintr.Tests.Support;

/// <summary>The shipped pipeline settings, read from the embedded defaults, for tests that start a worker or consumer by hand.</summary>
public static class DefaultPipeline
{
    public static readonly PipelineSettings Settings = PipelineSettings.From(new SettingsReader(DefaultSettings.Load()));
}
