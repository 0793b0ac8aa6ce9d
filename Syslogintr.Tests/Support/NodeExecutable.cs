using System.Collections.Concurrent;
using System.Diagnostics;

namespace Syslogintr.Tests.Support;

/// <summary>The real <c>syslogintr</c> executable (the build's syslogintr.dll), run in a folder of its own.</summary>
public static class NodeExecutable
{
    /// <summary>Starts a long-running command (a node); output is read and discarded so the process never blocks on it.</summary>
    public static Process Start(string folder, params string[] arguments) => Start(folder, new OutputLines(), arguments);

    /// <summary>Starts a long-running command (a node), collecting its standard output and error line by line.</summary>
    public static Process Start(string folder, OutputLines output, params string[] arguments) => StartVia([], folder, output, arguments);

    /// <summary>
    /// Starts the node through a launcher that execs it (<c>nsenter ... env ...</c>: the process is then the node
    /// itself, so its id takes the node's signals), collecting its standard output and error.
    /// </summary>
    public static Process StartVia(IReadOnlyList<string> launcher, string folder, OutputLines output, params string[] arguments)
    {
        var process = Process.Start(StartInfo(launcher, folder, arguments))!;
        process.OutputDataReceived += (_, e) => Collect(output.Stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(output.Stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Starts a node with extra environment variables, through <paramref name="wrapper"/> when given (a program that
    /// runs the rest of its command line, as <c>systemd-socket-activate</c>), collecting its output line by line.
    /// </summary>
    public static Process Start(string folder, OutputLines output, IReadOnlyDictionary<string, string> environment, string[] wrapper, params string[] arguments)
    {
        var start = StartInfo([], folder, arguments);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        if (wrapper.Length > 0)
        {
            var node = start.ArgumentList.ToList();
            start.ArgumentList.Clear();
            foreach (var word in wrapper.Skip(1).Append(start.FileName).Concat(node))
            {
                start.ArgumentList.Add(word);
            }

            start.FileName = wrapper[0];
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Collect(output.Stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(output.Stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a command to its end and returns its exit code and output; one still running after 30 s is killed and fails the test.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string folder, params string[] arguments)
    {
        using var process = Process.Start(StartInfo([], folder, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"syslogintr {string.Join(' ', arguments)} was still running after 30 s");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Waits until the node has written its pid (it does once every listener is bound).</summary>
    public static async Task WaitForPidAsync(string path)
    {
        // Generous: a node starts in about a second, but a loaded 2-core machine can take many times that.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(path) || File.ReadAllText(path).Trim().Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the node did not write its pid to {path}");
            await Task.Delay(50);
        }
    }

    private static void Collect(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> launcher, string folder, string[] arguments)
    {
        var command = launcher.Append("dotnet").ToList();
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1).Append(Path.Combine(AppContext.BaseDirectory, "syslogintr.dll")).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}

/// <summary>A running command's standard output and error, line by line as they come.</summary>
public sealed class OutputLines
{
    public ConcurrentQueue<string> Stdout { get; } = new();

    public ConcurrentQueue<string> Stderr { get; } = new();

    /// <summary>Everything so far, standard output first.</summary>
    public string All => string.Join('\n', Stdout.Concat(Stderr));
}
