using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Syslogintr.Node;

/// <summary>
/// The original's daemon mode (a script without <c>-f</c>): the command starts itself again, detached, and returns
/// once that child is up (its pid file written) with exit code 0, or with the child's exit code and error line when
/// it cannot start. .NET cannot fork, so the child is a new process: it calls setsid(2) so no terminal's hangup or
/// Ctrl-C reaches it, and once it is up, moves to / and points stdin, stdout and stderr at /dev/null.
/// </summary>
public static partial class Daemon
{
    /// <summary>Set in the child's environment: it is the daemon, not the command that starts one.</summary>
    private const string ChildVariable = "SYSLOGINTR_DAEMON_CHILD";

    /// <summary>The child's last line on stderr before it leaves it: the parent may exit.</summary>
    private const string ReadyLine = "syslogintr: daemon ready";

    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>In the parent: runs the same command line as a detached child and waits until it is up or has failed.</summary>
    public static async Task<int> StartAsync()
    {
        // The exact argv (dotnet's, or the apphost's), so the child parses what the parent did.
        var argv = File.ReadAllText("/proc/self/cmdline").Split('\0')[..^1];
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ChildVariable] = "1";
        using var child = Process.Start(start)!;
        child.StandardInput.Close();
        // What the script prints before it is detached has no terminal to go to, as with the original.
        _ = child.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var lines = new List<string>();
        while (await child.StandardError.ReadLineAsync() is { } line)
        {
            if (line == ReadyLine)
            {
                return ExitCodes.Stopped;
            }

            lines.Add(line);
        }

        await child.WaitForExitAsync();
        // Our own error lines when there are any (not the startup log before them).
        var errors = lines.Where(l => l.StartsWith("syslogintr: ", StringComparison.Ordinal)).ToList();
        foreach (var line in errors.Count > 0 ? errors : lines)
        {
            await Console.Error.WriteLineAsync(line);
        }

        return child.ExitCode == 0 ? ExitCodes.Failed : child.ExitCode;
    }

    /// <summary>In the child, first: a session of its own, away from the terminal the command was started from.</summary>
    public static void Detach()
    {
        if (SetSid() < 0)
        {
            throw new Hosting.StartupException($"setsid: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>In the child, once up: leaves the working directory and the parent's pipes, then tells the parent.</summary>
    public static void Ready()
    {
        // So the daemon holds no mount point busy; paths in the config were resolved while it started.
        Directory.SetCurrentDirectory("/");
        Console.Out.Flush();
        Console.Error.Flush();
        var parent = Dup(2);
        var devNull = Open("/dev/null", 2 /* O_RDWR */);
        if (parent < 0 || devNull < 0)
        {
            throw new Hosting.StartupException($"cannot detach from the terminal: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        for (var fd = 0; fd <= 2; fd++)
        {
            Dup2(devNull, fd);
        }

        Close(devNull);
        // Last, so the parent returns only when the daemon is fully detached.
        var ready = System.Text.Encoding.UTF8.GetBytes(ReadyLine + "\n");
        Write(parent, ready, ready.Length);
        Close(parent);
    }

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int from, int to);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
