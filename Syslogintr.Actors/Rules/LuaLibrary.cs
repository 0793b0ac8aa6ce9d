using System.Runtime.InteropServices;

namespace Syslogintr.Rules;

/// <summary>
/// The one Lua library every rule state of the process runs on. Debian's <c>liblua5.4.so.0</c> (package
/// <c>liblua5.4-0</c>) when present: a full POSIX build, with <c>io.popen</c> and C modules; else KeraLua's bundled
/// <c>liblua54.so</c>, which has neither <c>io.popen</c> nor Debian's module path. Either is loaded with
/// <c>RTLD_GLOBAL</c>, as the <c>lua</c> interpreter has it: Debian's C modules (<c>lpeg.so</c>) are not linked
/// against liblua and resolve <c>lua_gettop</c> &amp; co. in the global namespace. <c>SYSLOGINTR_LUA_LIBRARY</c>
/// = <c>bundled</c> or an absolute path overrides the choice.
/// </summary>
internal static partial class LuaLibrary
{
    /// <summary>The library name KeraLua's P/Invokes ask for.</summary>
    private const string KeraLuaName = "lua54";
    private const string DebianLibrary = "liblua5.4.so.0";
    private const string OverrideVariable = "SYSLOGINTR_LUA_LIBRARY";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private static readonly IntPtr Handle;

    // Static, set once and never changed: a DllImportResolver is per assembly and may be set only once per process,
    // and it must be in place before KeraLua's first P/Invoke. A static constructor gives exactly that (run once,
    // before first use, thread-safe); the handle and its description are the fixed fact of which library the process
    // loaded, not state that changes.
    static LuaLibrary()
    {
        (Handle, Description) = Open(Environment.GetEnvironmentVariable(OverrideVariable));
        NativeLibrary.SetDllImportResolver(typeof(KeraLua.Lua).Assembly, (name, _, _) => name == KeraLuaName ? Handle : IntPtr.Zero);
    }

    /// <summary>Which library the process loaded, and why, for the startup log.</summary>
    public static string Description { get; }

    /// <summary>The address of a C API function of the library KeraLua is bound to, for the few calls KeraLua wraps with an allocation.</summary>
    public static IntPtr Export(string symbol) => NativeLibrary.GetExport(Handle, symbol);

    /// <summary>
    /// Makes sure the library is loaded and KeraLua bound to it: call before every new Lua state, outside this class
    /// (its static constructor runs, and may throw, before this body). A state made earlier would bind KeraLua's
    /// first calls to its bundled copy for good, and later states would mix two Lua builds: long strings read back
    /// empty.
    /// </summary>
    public static void EnsureLoaded()
    {
        // The static constructor has run by the time this body runs.
    }

    private static (IntPtr Handle, string Description) Open(string? choice)
    {
        // Binds dlerror now: binding it on first use would load libc with dlopen, which clears the error to report.
        DlError();
        if (choice == "bundled")
        {
            return Bundled($"{OverrideVariable}=bundled");
        }

        if (!string.IsNullOrEmpty(choice))
        {
            var chosen = Path.IsPathRooted(choice)
                ? DlOpen(choice, RtldNow | RtldGlobal)
                : throw new InvalidOperationException($"{OverrideVariable} must be 'bundled' or an absolute path to a Lua 5.4 library, not '{choice}'");
            return chosen != IntPtr.Zero
                ? (chosen, $"{choice} ({OverrideVariable})")
                : throw new InvalidOperationException($"{OverrideVariable}={choice}: {LastDlError()}");
        }

        var debian = DlOpen(DebianLibrary, RtldNow | RtldGlobal);
        return debian != IntPtr.Zero
            ? (debian, $"{PathOf(debian, "lua_newstate") ?? DebianLibrary} (Debian's liblua5.4-0: io.popen and C modules available)")
            : Bundled($"{DebianLibrary} not found: {LastDlError()}; install Debian's liblua5.4-0 for io.popen and C modules");
    }

    /// <summary>KeraLua's own library, found as .NET finds it (deps.json, runtimes/RID/native), then made global.</summary>
    private static (IntPtr Handle, string Description) Bundled(string why)
    {
        var local = NativeLibrary.Load(KeraLuaName, typeof(KeraLua.Lua).Assembly, null);
        var path = PathOf(local, "lua_newstate")
            ?? throw new InvalidOperationException("cannot find the path of KeraLua's bundled Lua library");

        // dlopen of a loaded library's path again, with RTLD_GLOBAL, promotes it to the global namespace.
        var global = DlOpen(path, RtldNow | RtldGlobal);
        return global != IntPtr.Zero
            ? (global, $"{path} (KeraLua's bundled Lua: no io.popen; {why})")
            : throw new InvalidOperationException($"{path}: {LastDlError()}");
    }

    private static string? PathOf(IntPtr library, string symbol) =>
        NativeLibrary.TryGetExport(library, symbol, out var address) && DlAddr(address, out var info) != 0
            ? Marshal.PtrToStringUTF8(info.FileName)
            : null;

    private static string LastDlError() => Marshal.PtrToStringUTF8(DlError()) ?? "unknown dlopen error";

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public IntPtr FileName;
        public IntPtr FileBase;
        public IntPtr SymbolName;
        public IntPtr SymbolAddress;
    }

    // glibc 2.34 and later have dlopen, dlerror and dladdr in libc itself.
    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial IntPtr DlError();

    [LibraryImport("libc", EntryPoint = "dladdr")]
    private static partial int DlAddr(IntPtr address, out DlInfo info);
}
