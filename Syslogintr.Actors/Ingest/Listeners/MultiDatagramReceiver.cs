using System.Net.Sockets;
using System.Runtime.InteropServices;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// Reads up to <see cref="Slots"/> datagrams with one Linux <c>recvmmsg</c> call (.NET has no wrapper): at high
/// rates one system call per datagram is a large share of a listener's CPU. Each datagram lands in its own slot of
/// one native buffer allocated once (pages the kernel never writes stay unbacked, so short datagrams cost little
/// memory), with its sender's raw <c>sockaddr</c>. Owned by one reader thread; not thread-safe.
/// </summary>
internal sealed unsafe partial class MultiDatagramReceiver : IDisposable
{
    /// <summary>Most datagrams one call reads.</summary>
    public const int MaxSlots = 64;

    // Slots share this much memory at most, so a listener of 1 MiB datagrams does not reserve 64 MiB.
    private const int MaxBufferBytes = 8 << 20;
    private const int AddressSize = 128; // sizeof(struct sockaddr_storage)
    private const int MsgDontWait = 0x40;
    private const int MsgTrunc = 0x20;
    private const int MsgWaitForOne = 0x10000;

    private readonly int slotSize;
    private readonly byte* buffers;
    private readonly byte* addresses;
    private readonly IoVec* vectors;
    private readonly MMsgHdr* headers;
    private bool disposed;

    /// <param name="slotSize">The largest datagram a slot holds; a longer one is reported <see cref="Truncated"/>.</param>
    /// <param name="withSenders">Keep each sender's address (UDP); a unix listener's senders are unnamed.</param>
    public MultiDatagramReceiver(int slotSize, bool withSenders)
    {
        this.slotSize = slotSize;
        Slots = Math.Clamp(MaxBufferBytes / slotSize, 1, MaxSlots);
        buffers = (byte*)NativeMemory.Alloc((nuint)Slots * (nuint)slotSize);
        addresses = withSenders ? (byte*)NativeMemory.AllocZeroed((nuint)(Slots * AddressSize)) : null;
        vectors = (IoVec*)NativeMemory.AllocZeroed((nuint)(Slots * sizeof(IoVec)));
        headers = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Slots * sizeof(MMsgHdr)));
        for (var i = 0; i < Slots; i++)
        {
            vectors[i] = new IoVec { Base = buffers + ((nint)i * slotSize), Length = (nuint)slotSize };
            headers[i].Header.Iov = &vectors[i];
            headers[i].Header.IovLength = 1;
            headers[i].Header.Name = withSenders ? addresses + (i * AddressSize) : null;
        }
    }

    /// <summary>Whether this platform has recvmmsg and the structure layout written here (64-bit Linux).</summary>
    public static bool Supported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    public int Slots { get; }

    /// <summary>
    /// Reads what the socket holds, up to <see cref="Slots"/> datagrams; with <paramref name="wait"/>, blocks until
    /// at least one arrives. Returns how many (0 when not waiting and none is there), or -1 with <paramref name="errno"/>.
    /// </summary>
    public int Receive(Socket socket, bool wait, out int errno)
    {
        errno = 0;
        for (var i = 0; i < Slots; i++)
        {
            headers[i].Header.NameLength = headers[i].Header.Name is null ? 0u : AddressSize;
            headers[i].Header.Flags = 0;
            headers[i].Length = 0;
        }

        while (true)
        {
            var count = RecvMmsg(socket.SafeHandle, headers, (uint)Slots, wait ? MsgWaitForOne : MsgDontWait, null);
            if (count >= 0)
            {
                return count;
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EIntr)
            {
                continue;
            }

            if (errno != Errno.EAgain)
            {
                return -1;
            }

            if (!wait)
            {
                return 0;
            }

            // A socket left non-blocking (one handed over by systemd may be): wait for it like a blocking read would.
            socket.Poll(-1, SelectMode.SelectRead);
        }
    }

    /// <summary>The bytes of datagram <paramref name="i"/> of the last read (all of the slot when <see cref="Truncated"/>).</summary>
    public ReadOnlySpan<byte> Datagram(int i) => new(buffers + ((nint)i * slotSize), (int)Math.Min(headers[i].Length, (uint)slotSize));

    /// <summary>Datagram <paramref name="i"/> was longer than a slot: the kernel kept only what fitted.</summary>
    public bool Truncated(int i) => (headers[i].Header.Flags & MsgTrunc) != 0;

    /// <summary>The sender's <c>sockaddr</c> of datagram <paramref name="i"/>; empty without senders.</summary>
    public ReadOnlySpan<byte> Sender(int i) => headers[i].Header.Name is null
        ? default
        : new(headers[i].Header.Name, (int)Math.Min(headers[i].Header.NameLength, AddressSize));

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        NativeMemory.Free(buffers);
        NativeMemory.Free(addresses);
        NativeMemory.Free(vectors);
        NativeMemory.Free(headers);
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int RecvMmsg(SafeSocketHandle socket, MMsgHdr* messages, uint count, int flags, void* timeout);

    // struct iovec, struct msghdr and struct mmsghdr as laid out on 64-bit Linux (x86-64 and arm64 alike).
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
