using System.Diagnostics;

namespace Syslogintr.Tests.Support;

/// <summary>util-linux <c>logger</c>: a real syslog client nobody here wrote.</summary>
public static class Logger
{
    public static async Task RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("logger") { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"logger {string.Join(' ', arguments)} failed: {error}");
    }
}
