using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>Pipeline settings that cannot work stop the real executable at start: check-config's line on stderr, exit 2.</summary>
[Collection(SerialCollection.Name)]
public sealed class PipelineConfigTests
{
    [Theory]
    [InlineData("pipeline.queue-size = 0", "syslogintr.pipeline.queue-size", "must be between 1 and 10000000, not 0")]
    [InlineData("pipeline.batch-size = -5", "syslogintr.pipeline.batch-size", "must be between 1 and 1000000, not -5")]
    [InlineData("pipeline.max-messages-in-flight = 0", "syslogintr.pipeline.max-messages-in-flight", "must be between 1 and 2147483647, not 0")]
    [InlineData("pipeline.drain-timeout = 0s", "syslogintr.pipeline.drain-timeout", "must be between 1ms and 600s, not 0ms")]
    [InlineData("pipeline.max-backpressure = 0s", "syslogintr.pipeline.max-backpressure", "must be between 1ms and 86400s, not 0ms")]
    [InlineData("metrics.summary-interval = 0s", "syslogintr.metrics.summary-interval", "must be between 1s and 86400s, not 0ms")]
    [InlineData("files.messages.on-lag = sometimes", "syslogintr.files.messages.on-lag", "'on-lag' must be backpressure or drop, not 'sometimes'")]
    public async Task A_value_that_cannot_work_is_refused_at_start_naming_the_line_the_key_and_the_allowed_range(string setting, string key, string error)
    {
        var folder = TempFolder.Create();
        try
        {
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners { udp.enabled = false, tcp.enabled = false, local.path = "{{folder}}/log" }
                  files.messages.path = "{{folder}}/messages"
                  {{setting}}
                }
                """);
            var (exitCode, _, stderr) = await NodeExecutable.RunAsync(folder, "run", "--config", config);
            Assert.Equal(2, exitCode);
            Assert.Equal([$"{config}:4: {key}: {error}"], stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
