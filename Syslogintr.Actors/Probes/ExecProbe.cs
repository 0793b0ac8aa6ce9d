using System.Diagnostics;

namespace Syslogintr.Probes;

/// <summary>
/// Runs a program (argv, never through a shell); up when it exits 0. The first line of its output is the detail.
/// At cancellation the whole process tree is killed, so a hung check leaves nothing behind.
/// </summary>
public sealed class ExecProbe(IReadOnlyList<string> argv) : IProbe
{
    public async Task<ProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return ProbeResult.Down($"cannot run {argv[0]}: {e.Message}");
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = FirstLine(await stdout) ?? FirstLine(await stderr) ?? "";
        return process.ExitCode == 0
            ? ProbeResult.Ok(output.Length == 0 ? "exit 0" : output)
            : ProbeResult.Down($"{argv[0]} exited {process.ExitCode}" + (output.Length == 0 ? "" : $": {output}"));
    }

    private static string? FirstLine(string text)
    {
        var line = text.Trim().Split('\n', 2)[0].Trim();
        return line.Length == 0 ? null : line;
    }
}
