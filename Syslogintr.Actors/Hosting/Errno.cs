namespace Syslogintr.Hosting;

/// <summary>The Linux errno values the node tells apart (asm-generic/errno-base.h and errno.h), named once.</summary>
public static class Errno
{
    public const int EPerm = 1;
    public const int ENoEnt = 2;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EAccess = 13;
    public const int EInval = 22;
    public const int ENoSys = 38;
    public const int EOpNotSupp = 95;
    public const int EConnRefused = 111;
}
