using System.Diagnostics;

namespace Syslogintr.Tests.Support;

/// <summary>util-linux <c>logger</c>: a real syslog client nobody here wrote.</summary>
public static class Logger
{
    public static Task RunAsync(params string[] arguments) => RunViaAsync([], arguments);

    /// <summary>Runs <c>logger</c> through a launcher that execs it (<c>nsenter ...</c>: inside a test's namespaces).</summary>
    public static async Task RunViaAsync(IReadOnlyList<string> launcher, params string[] arguments)
    {
        var command = launcher.Append("logger").ToList();
        var start = new ProcessStartInfo(command[0]) { RedirectStandardError = true };
        foreach (var argument in command.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"logger {string.Join(' ', arguments)} failed: {error}");
    }
}
