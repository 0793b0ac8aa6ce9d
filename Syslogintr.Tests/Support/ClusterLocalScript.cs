using System.Diagnostics;

namespace Syslogintr.Tests.Support;

/// <summary>
/// <c>deploy/cluster-local.sh</c> run as an operator runs it: three real node processes from the test build, in a
/// temp folder, on free loopback ports. Disposing runs <c>down</c>, then SIGKILLs whatever still runs.
/// </summary>
public sealed class ClusterLocalScript : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(Repository.Root, "deploy", "cluster-local.sh");

    private ClusterLocalScript(string directory, int syslogPort, int remotingPort, int httpPort)
    {
        Directory = directory;
        SyslogPort = syslogPort;
        RemotingPort = remotingPort;
        HttpPort = httpPort;
    }

    public string Directory { get; }

    /// <summary>Node i (1..3) listens for syslog on this + i - 1.</summary>
    public int SyslogPort { get; }

    public int RemotingPort { get; }

    /// <summary>Node i (1..3) serves its HTTP endpoint on this + i - 1.</summary>
    public int HttpPort { get; }

    public static async Task<ClusterLocalScript> UpAsync()
    {
        var cluster = new ClusterLocalScript(TempFolder.Create(), TestNode.FreePorts(3), TestNode.FreePorts(3), TestNode.FreePorts(3));
        var (exitCode, output, error) = await cluster.RunAsync("up");
        Assert.True(exitCode == 0, $"cluster-local.sh up failed ({exitCode}): {output}\n{error}");
        return cluster;
    }

    public string NodeDirectory(int node) => Path.Combine(Directory, $"node{node}");

    public int Pid(int node) => int.Parse(File.ReadAllText(Path.Combine(NodeDirectory(node), "run", "syslogintr.pid")).Trim());

    /// <summary>The node's exit code as its wrapper recorded it, or null while it runs.</summary>
    public int? ExitCode(int node) =>
        File.Exists(Path.Combine(NodeDirectory(node), "exit-code")) && File.ReadAllText(Path.Combine(NodeDirectory(node), "exit-code")).Trim() is { Length: > 0 } code
            ? int.Parse(code)
            : null;

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(string verb)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(verb);
        start.Environment["CLUSTER_DIR"] = Directory;
        start.Environment["SYSLOG_PORT"] = SyslogPort.ToString();
        start.Environment["REMOTING_PORT"] = RemotingPort.ToString();
        start.Environment["HTTP_PORT"] = HttpPort.ToString();
        start.Environment["SYSLOGINTR_DLL"] = Path.Combine(AppContext.BaseDirectory, "syslogintr.dll");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary><c>syslogintr cluster status</c> asked of node <paramref name="node"/>, with its own config.</summary>
    public Task<(int ExitCode, string Output, string Error)> StatusAsync(int node) =>
        NodeExecutable.RunAsync(NodeDirectory(node), "cluster", "status", "--config", "cluster.conf");

    /// <summary>Polls node <paramref name="node"/>'s status until it sees exactly <paramref name="up"/> members, all Up and reachable; returns that output.</summary>
    public async Task<string> WaitForMembersUpAsync(int node, int up, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (exitCode, output, error) = await StatusAsync(node);
            last = $"exit {exitCode}: {output}{error}";
            if (exitCode == 0 && output.Contains($"members: {up}, up: {up}, unreachable: 0\n"))
            {
                return output;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"node{node} did not see {up} members Up within {timeout}; last status: {last}");
    }

    public async Task SendAsync(int node, string text) =>
        await Logger.RunAsync("-n", "127.0.0.1", "-P", (SyslogPort + node - 1).ToString(), "-d", "-t", "clustertest", text);

    /// <summary>Waits until node <paramref name="node"/>'s messages file (in its own var/) holds a line with <paramref name="text"/>.</summary>
    public async Task<bool> WaitForLineAsync(int node, string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (Lines(node).Any(l => l.Contains(text)))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    public IReadOnlyList<string> Lines(int node)
    {
        var path = Path.Combine(NodeDirectory(node), "var", "log", "messages");
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task<int> WaitForExitAsync(int node, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ExitCode(node) is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"node{node} still runs after {timeout}; its log ends: {LogTail(node)}");
            }

            await Task.Delay(100);
        }

        return ExitCode(node)!.Value;
    }

    /// <summary>Waits until node <paramref name="node"/>'s own log (node.log: Akka's and ours) holds <paramref name="text"/>.</summary>
    public async Task<bool> WaitForLogAsync(int node, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var path = Path.Combine(NodeDirectory(node), "node.log");
        while (DateTime.UtcNow < deadline)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                if ((await new StreamReader(stream).ReadToEndAsync()).Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            await Task.Delay(100);
        }

        return false;
    }

    public string LogTail(int node) => string.Join('\n', File.ReadLines(Path.Combine(NodeDirectory(node), "node.log")).TakeLast(8));

    /// <summary>Members' addresses as the status prints them.</summary>
    public string Address(int node) => $"akka.tcp://syslogintr@127.0.0.1:{RemotingPort + node - 1}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("down");
        }
        finally
        {
            foreach (var node in new[] { 1, 2, 3 })
            {
                KillIfRunning(node);
            }

            TempFolder.Delete(Directory);
        }
    }

    private void KillIfRunning(int node)
    {
        try
        {
            using var process = Process.GetProcessById(Pid(node));
            if (process.ProcessName is "dotnet" or "syslogintr")
            {
                process.Kill();
            }
        }
        catch (Exception e) when (e is ArgumentException or IOException or FormatException or InvalidOperationException)
        {
            // Not running (no pid file, or the pid is gone).
        }
    }
}
