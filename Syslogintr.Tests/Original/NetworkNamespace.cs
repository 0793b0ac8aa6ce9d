using System.Runtime.InteropServices;

namespace Syslogintr.Tests.Original;

/// <summary>
/// Runs code on a thread that has joined another process's network namespace (<c>setns(2)</c>, for that thread
/// only): a socket made there stays in that namespace for its whole life, whichever thread uses it afterwards.
/// </summary>
internal static class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    public static T Inside<T>(int pid, Func<T> create)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/proc/{pid}/ns/net");
                if (setns(ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns(/proc/{pid}/ns/net) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "network-namespace" };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw failure;
        }

        return result!;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(IntPtr fd, int nstype);
}
