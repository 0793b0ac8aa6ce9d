using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Syslogintr.Tests.Support;

/// <summary>
/// A small tmpfs — a real file system that fills — mounted in a mount namespace private to one dedicated thread
/// (<c>unshare(CLONE_NEWNS)</c> on that thread only, as <c>unshare -m</c> does for a process): no other process or
/// thread sees it, and it is gone with the thread. Paths under <see cref="Path"/> mean the tmpfs only inside
/// <see cref="Run{T}"/>; a file opened there can be written from any thread. Needs root (CAP_SYS_ADMIN).
/// </summary>
public sealed class PrivateTmpfs : IDisposable
{
    private const int CloneNewNs = 0x00020000;
    private const ulong MsRec = 16384;
    private const ulong MsPrivate = 1 << 18;

    private readonly BlockingCollection<Action> work = [];
    private readonly Thread thread;

    private PrivateTmpfs(string path, long sizeBytes)
    {
        Path = path;
        var mounted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        thread = new Thread(() =>
        {
            if (unshare(CloneNewNs) != 0 || mount("none", "/", null, MsRec | MsPrivate, null) != 0
                || mount("tmpfs", path, "tmpfs", 0, $"size={sizeBytes}") != 0)
            {
                mounted.SetException(new IOException($"cannot mount a private tmpfs: errno {Marshal.GetLastPInvokeError()}"));
                return;
            }

            mounted.SetResult();
            foreach (var action in work.GetConsumingEnumerable())
            {
                action();
            }
        })
        { IsBackground = true, Name = "private-tmpfs" };
        thread.Start();
        mounted.Task.GetAwaiter().GetResult();
    }

    public string Path { get; }

    /// <summary>Why a private tmpfs cannot be had here, or null when it can.</summary>
    public static string? Unavailable { get; } = Probe();

    /// <summary>Mounts a tmpfs of <paramref name="sizeBytes"/> on a new folder under <paramref name="parent"/>.</summary>
    public static PrivateTmpfs Create(string parent, long sizeBytes)
    {
        var path = System.IO.Path.Combine(parent, "tmpfs");
        Directory.CreateDirectory(path);
        return new PrivateTmpfs(path, sizeBytes);
    }

    /// <summary>Runs <paramref name="action"/> on the thread that sees the tmpfs, and waits for it.</summary>
    public T Run<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        work.Add(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        work.CompleteAdding();
        thread.Join();
        work.Dispose();
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux to mount a tmpfs in a private mount namespace";
        }

        var parent = TempFolder.Create();
        try
        {
            using var probe = Create(parent, 4096);
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
        finally
        {
            TempFolder.Delete(parent);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int unshare(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int mount(string source, string target, string? fileSystemType, ulong flags, string? data);
}

/// <summary>A fact that is skipped, with the reason, where a private tmpfs cannot be mounted.</summary>
public sealed class PrivateTmpfsFactAttribute : FactAttribute
{
    public PrivateTmpfsFactAttribute()
    {
        if (PrivateTmpfs.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}
