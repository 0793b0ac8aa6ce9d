using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Syslogintr.Actions;

/// <summary>
/// Runs one program from an argv (never a shell), with a deadline, keeping only the first bytes of its output.
/// Everything here is asynchronous: no thread waits for the child.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessExited> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, int outputLimit, object? correlation)
    {
        var stopwatch = Stopwatch.StartNew();
        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            return new ProcessExited(argv, -1, false, e.Message, "", stopwatch.Elapsed, correlation);
        }

        // The child must not wait for input we will never write.
        process.StandardInput.Close();
        var output = new BoundedText(outputLimit);
        var readers = Task.WhenAll(
            output.DrainAsync(process.StandardOutput),
            output.DrainAsync(process.StandardError));
        var timedOut = false;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                KillTree(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        // A grandchild that inherited the pipes could keep them open: don't wait for it forever.
        await Task.WhenAny(readers, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        return new ProcessExited(argv, timedOut ? -1 : process.ExitCode, timedOut, null, output.ToString(), stopwatch.Elapsed, correlation);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the deadline and the kill.
        }
    }

    /// <summary>Keeps the first <c>limit</c> characters written by both streams and discards the rest, so the child never blocks on a full pipe.</summary>
    private sealed class BoundedText(int limit)
    {
        private readonly StringBuilder text = new();
        private readonly Lock gate = new();
        private bool cut;

        public async Task DrainAsync(StreamReader reader)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (gate)
                {
                    var room = limit - text.Length;
                    text.Append(buffer, 0, Math.Min(room, read));
                    cut |= read > room;
                }
            }
        }

        public override string ToString()
        {
            lock (gate)
            {
                return cut ? text + "…" : text.ToString();
            }
        }
    }
}
