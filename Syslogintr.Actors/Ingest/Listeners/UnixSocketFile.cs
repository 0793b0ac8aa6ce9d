using System.Net.Sockets;
using System.Net;
using System.Runtime.InteropServices;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// The file of a unix socket we listen on. We only ever remove a path that is a socket nobody is bound to (a connect
/// to it is refused, the check systemd and rsyslog make), and at stop only the socket we created (same inode): a
/// second node started by mistake must not cost a live node its /dev/log, nor a wrong path anyone their file.
/// </summary>
internal static partial class UnixSocketFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int SIfMt = 0xF000;
    private const int SIfSock = 0xC000;

    /// <summary>Makes room for our socket at <paramref name="path"/>, removing a stale socket; throws when the path is not ours to take.</summary>
    public static void Claim(string path)
    {
        if (Inspect(path) is not { } file)
        {
            return;
        }

        if (!file.IsSocket)
        {
            throw new IOException("the path exists and is not a socket; not replacing it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody is bound to it: left by a crashed run or a stopped syslogd.
            File.Delete(path);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.ProtocolType)
        {
            throw new IOException($"the socket there cannot be probed ({e.Message}); not replacing it");
        }

        // Connected, or a live socket of another type (EPROTOTYPE): someone is listening there.
        throw new IOException("a running process (another node or syslog daemon?) is bound to it; not replacing it");
    }

    /// <summary>The inode at <paramref name="path"/> if it is a socket (symbolic links not followed), else null.</summary>
    public static ulong? SocketInode(string path) => Inspect(path) is { IsSocket: true } file ? file.Inode : null;

    /// <summary>Removes <paramref name="path"/> if it is still the socket we created (<paramref name="inode"/>).</summary>
    public static bool RemoveIfOurs(string path, ulong inode)
    {
        if (SocketInode(path) != inode)
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    private static (bool IsSocket, ulong Inode)? Inspect(string path)
    {
        // statx's layout is the same on every Linux architecture (struct stat's is not): stx_mode at 28, stx_ino at 32.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxIno, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Errno.ENoEnt ? null : throw new IOException($"cannot inspect the path ({Marshal.GetPInvokeErrorMessage(errno)})");
        }

        var mode = BitConverter.ToUInt16(buffer[28..30]);
        return ((mode & SIfMt) == SIfSock, BitConverter.ToUInt64(buffer[32..40]));
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, Span<byte> buffer);
}

/// <summary>
/// A unix socket path to bind. .NET deletes the file of a socket bound to a <see cref="UnixDomainSocketEndPoint"/>
/// when the socket is disposed, whoever's file is at the path by then; bound through this endpoint it does not, and
/// <see cref="UnixSocketFile.RemoveIfOurs"/> decides.
/// </summary>
internal sealed class UnixSocketPath(string path) : EndPoint
{
    private readonly UnixDomainSocketEndPoint endPoint = new(path);

    public override AddressFamily AddressFamily => AddressFamily.Unix;

    public override SocketAddress Serialize() => endPoint.Serialize();

    public override EndPoint Create(SocketAddress socketAddress) => endPoint.Create(socketAddress);

    public override string ToString() => path;
}
