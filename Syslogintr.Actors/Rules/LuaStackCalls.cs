namespace Syslogintr.Rules;

/// <summary>
/// The Lua C API calls that building a message's arguments makes a dozen times per message and that neither allocate
/// nor run Lua code: none can start a collection step (which may run a script's <c>__gc</c>), raise an error, or come
/// back into .NET. So they are called through function pointers marked <c>SuppressGCTransition</c>, skipping the
/// switch into and out of native code that KeraLua's P/Invokes pay on every call. Calls that allocate (strings,
/// tables) or run code (<c>lua_pcall</c>, <c>lua_settop</c>'s <c>__close</c>) stay KeraLua's.
/// </summary>
internal static unsafe class LuaStackCalls
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, long, void> PushIntegerCall =
        (delegate* unmanaged[SuppressGCTransition]<IntPtr, long, void>)LuaLibrary.Export("lua_pushinteger");

    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, void> PushBooleanCall =
        (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, void>)LuaLibrary.Export("lua_pushboolean");

    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, void> PushValueCall =
        (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, void>)LuaLibrary.Export("lua_pushvalue");

    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, long, int> RawGetIntegerCall =
        (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, long, int>)LuaLibrary.Export("lua_rawgeti");

    /// <summary><c>lua_pushinteger</c>.</summary>
    public static void PushInteger(IntPtr state, long value) => PushIntegerCall(state, value);

    /// <summary><c>lua_pushboolean</c>.</summary>
    public static void PushBoolean(IntPtr state, bool value) => PushBooleanCall(state, value ? 1 : 0);

    /// <summary><c>lua_pushvalue</c>: a copy of the value at <paramref name="index"/>.</summary>
    public static void PushCopy(IntPtr state, int index) => PushValueCall(state, index);

    /// <summary><c>lua_rawgeti</c>: <c>t[n]</c> of the table at <paramref name="index"/>, no metamethod.</summary>
    public static void RawGetInteger(IntPtr state, int index, long n) => RawGetIntegerCall(state, index, n);
}
