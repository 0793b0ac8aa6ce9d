using System.Globalization;
using System.Runtime.InteropServices;

namespace Syslogintr.Tests.Support;

/// <summary>
/// Breaks a listener's socket from outside, the way a kernel or descriptor bug would: the descriptor (found in
/// /proc/self/fd by the socket's inode) is replaced with /dev/null, so the listener's blocked call returns once more
/// and the next one fails with ENOTSOCK. The listener's own code runs unchanged.
/// </summary>
public static partial class SocketSabotage
{
    /// <summary>The unix socket bound to <paramref name="path"/> in this process.</summary>
    public static void BreakUnixSocket(string path) => Break(FindInode("/proc/net/unix", f => f.Length >= 8 && f[^1] == path, f => f[6]));

    /// <summary>The TCP socket listening on 127.0.0.1:<paramref name="port"/> in this process.</summary>
    public static void BreakTcpListener(int port)
    {
        var local = "0100007F:" + port.ToString("X4", CultureInfo.InvariantCulture);
        Break(FindInode("/proc/net/tcp", f => f.Length >= 10 && f[1] == local && f[3] == "0A", f => f[9]));
    }

    private static string FindInode(string table, Func<string[], bool> match, Func<string[], string> inode)
    {
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (match(fields))
            {
                return inode(fields);
            }
        }

        throw new InvalidOperationException($"no such socket in {table}");
    }

    private static void Break(string inode)
    {
        var target = $"socket:[{inode}]";
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? link;
            try
            {
                link = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }

            if (link == target)
            {
                using var devNull = File.OpenHandle("/dev/null");
                Assert.True(Dup2((int)devNull.DangerousGetHandle(), int.Parse(Path.GetFileName(fd), CultureInfo.InvariantCulture)) >= 0, "dup2 failed");
                return;
            }
        }

        throw new InvalidOperationException($"no descriptor of {target} in this process");
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int from, int to);
}
