using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Configuration;
using Microsoft.Win32.SafeHandles;
using Syslogintr.Hosting;

namespace Syslogintr.Node;

/// <summary>
/// The node's pid file (<c>syslogintr.pid-file</c>), so <c>syslogintr reload</c> can find the node to signal. The
/// node holds a write lock on it from before it starts until it exits, so a second node with the same pid file
/// refuses to start, and <c>reload</c> can tell a live node's pid from a stale file's. The pid is written once the
/// node is up; the file is removed at exit.
/// </summary>
/// <remarks>
/// The lock is an open-file-description lock (fcntl F_OFD_SETLK): unlike a classic fcntl lock it is not dropped when
/// any other descriptor of the file closes in this process, and unlike flock it does not collide with the flock
/// .NET itself takes when any .NET program opens the file, so probes and tools can still read the pid.
/// </remarks>
public sealed partial class PidFile : IDisposable
{
    private const int FOfdGetLk = 36;
    private const int FOfdSetLk = 37;
    private const short FRdLck = 0;
    private const short FWrLck = 1;
    private const short FUnLck = 2;

    private readonly SafeFileHandle handle;

    private PidFile(string path, SafeFileHandle handle)
    {
        Path = path;
        this.handle = handle;
    }

    public string Path { get; }

    public static string PathFrom(Config config) => System.IO.Path.GetFullPath(new Hosting.SettingsReader(config).String("syslogintr.pid-file"));

    /// <summary>Opens and locks the pid file; a live node holding it already is a <see cref="Hosting.StartupException"/>.</summary>
    public static PidFile Acquire(Config config)
    {
        var path = PathFrom(config);
        SafeFileHandle handle;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Hosting.StartupException($"cannot write the pid file {path}: {e.Message}", e);
        }

        var request = new Lock { Type = FWrLck };
        if (Fcntl(handle, FOfdSetLk, ref request) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var holder = ReadPid(handle);
            handle.Dispose();
            throw new Hosting.StartupException(errno is Errno.EAgain or Errno.EAccess
                ? $"another node (pid {holder?.ToString(CultureInfo.InvariantCulture) ?? "?"}) is running with the pid file {path}"
                : $"cannot lock the pid file {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        // A pid left in it is stale: the node that wrote it no longer holds the lock.
        RandomAccess.SetLength(handle, 0);
        return new PidFile(path, handle);
    }

    /// <summary>Writes our pid: called once the node is up and handles its signals.</summary>
    public void Publish()
    {
        RandomAccess.Write(handle, Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"), 0);
    }

    /// <summary>
    /// The pid of the node that holds the pid file at <paramref name="path"/>, or null (with the reason) when the
    /// file is missing, empty, or not locked: a pid in a file nobody holds is stale and may name any process by now.
    /// </summary>
    public static int? FindLiveNode(string path, out string reason)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"cannot read {path} ({e.Message}); is the node running?";
            return null;
        }

        using (handle)
        {
            var pid = ReadPid(handle);
            if (pid is null)
            {
                reason = $"no node pid in {path}; is the node running?";
                return null;
            }

            var probe = new Lock { Type = FRdLck };
            if (Fcntl(handle, FOfdGetLk, ref probe) != 0 || probe.Type == FUnLck)
            {
                reason = $"{path} names pid {pid} but no running node holds it (stale pid file); not signalling";
                return null;
            }

            reason = "";
            return pid;
        }
    }

    public void Dispose()
    {
        // Removed while still locked, so a node starting now creates a new file rather than locking this one; and
        // only if it still holds our pid, or none yet (a failed start); someone may have replaced it.
        try
        {
            if (File.Exists(Path) && File.ReadAllText(Path).Trim() is var pid && (pid.Length == 0 || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
            {
                File.Delete(Path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing to do at exit; the next node replaces the stale content under its own lock.
        }

        handle.Dispose();
    }

    private static int? ReadPid(SafeFileHandle handle)
    {
        var buffer = new byte[32];
        var length = RandomAccess.Read(handle, buffer, 0);
        return int.TryParse(Encoding.ASCII.GetString(buffer, 0, length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeFileHandle handle, int command, ref Lock request);

    /// <summary>struct flock; start 0 and length 0 cover the whole file.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Lock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }
}
