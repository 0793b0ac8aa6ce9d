using Microsoft.Extensions.Hosting;

namespace Syslogintr.Http;

/// <summary>
/// The endpoint's Kestrel host lives inside the node's host, which owns SIGTERM and Ctrl-C. Its default lifetime
/// (ConsoleLifetime) would register for the same signals and cancel its own start: a SIGTERM while Kestrel was still
/// binding then surfaced as a failed start before the node itself had begun to stop, and the node exited 1.
/// </summary>
internal sealed class NodeOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
