using System.Runtime.InteropServices;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// Puts a listener's reader thread to sleep for its linger, to the microsecond: <see cref="Thread.Sleep(TimeSpan)"/>
/// counts whole milliseconds, and a linger is meant to be shorter than that.
/// </summary>
internal static partial class ReaderSleep
{
    public static void For(TimeSpan span)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Ceiling(span.TotalMilliseconds)));
            return;
        }

        var nanoseconds = span.Ticks * 100;
        var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };

        // Interrupted by a signal (EINTR): it slept less, which only ends this linger early.
        _ = NanoSleep(ref request, IntPtr.Zero);
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref TimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
