using System.Globalization;
using System.Runtime.InteropServices;
using Syslogintr.Hosting;

namespace Syslogintr.Node;

/// <summary>
/// The original's <c>-u USER</c> / <c>-g GROUP</c> (names or numbers; the group defaults to the user's primary
/// group): a node started as root binds its sockets, gives the socket files and the pid file to the user, and
/// becomes that user before any rule script loads. glibc's setuid/setgid change every thread of the process.
/// </summary>
public sealed partial record Privileges(uint Uid, uint Gid)
{
    // struct passwd and struct group on 64-bit glibc: two pointers (name, password), then the ids.
    private const int IdOffset = 16;

    /// <summary>Looks the user and group up; a <see cref="StartupException"/> when not root or when either does not exist.</summary>
    public static Privileges Resolve(string user, string? group)
    {
        var euid = GetEUid();
        if (euid != 0)
        {
            throw new StartupException($"-u {user}: only root can change to another user (running as uid {euid.ToString(CultureInfo.InvariantCulture)})");
        }

        var numericUser = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var userId);
        var entry = numericUser ? GetPwUid(userId) : GetPwNam(user);
        uint? primaryGroup = entry == 0 ? null : (uint)Marshal.ReadInt32(entry, IdOffset + 4);
        if (entry != 0)
        {
            userId = (uint)Marshal.ReadInt32(entry, IdOffset);
        }
        else if (!numericUser)
        {
            throw new StartupException($"-u {user}: no such user");
        }

        if (group is null)
        {
            return new Privileges(userId, primaryGroup ?? throw new StartupException($"-u {user}: a uid with no user entry needs -g GROUP"));
        }

        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var groupId))
        {
            return new Privileges(userId, groupId);
        }

        var groupEntry = GetGrNam(group);
        return groupEntry == 0
            ? throw new StartupException($"-g {group}: no such group")
            : new Privileges(userId, (uint)Marshal.ReadInt32(groupEntry, IdOffset));
    }

    /// <summary>Gives <paramref name="paths"/> (socket files, the pid file) to the user, then becomes it: group first, while still root.</summary>
    public void Drop(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            Check(Chown(path, Uid, Gid), $"chown {path}");
        }

        // Root's supplementary groups must not stay with the node.
        Check(SetGroups(1, [Gid]), "setgroups");
        Check(SetGid(Gid), $"setgid {Gid.ToString(CultureInfo.InvariantCulture)}");
        Check(SetUid(Uid), $"setuid {Uid.ToString(CultureInfo.InvariantCulture)}");
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new StartupException($"cannot drop privileges: {what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEUid();

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial nint GetPwUid(uint uid);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetGrNam(string name);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static partial int SetGroups(nuint count, uint[] groups);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);
}
