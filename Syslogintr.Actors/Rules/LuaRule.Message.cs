using System.Text;
using KeraLua;
using Syslogintr.Ingest;

namespace Syslogintr.Rules;

/// <summary>The message table's values: facility and level names and recurring strings come from tables of Lua strings made once.</summary>
public sealed partial class LuaRule
{
    private const int FacilityNamesBase = 1;
    private const int LevelNamesBase = FacilityNamesBase + 24;

    private static readonly IReadOnlyList<string> InternKeys = [.. LuaNames.FacilityNames, .. LuaNames.LevelNames];

    // lua_pushlstring itself: KeraLua's PushString encodes every string into a new array (about 230 bytes per
    // message for the text alone); the text is encoded into this state's own buffer instead, with the same encoder.
    private readonly unsafe delegate* unmanaged<IntPtr, byte*, nuint, IntPtr> pushLString =
        (delegate* unmanaged<IntPtr, byte*, nuint, IntPtr>)LuaLibrary.Export("lua_pushlstring");

    private readonly (string? Value, int Index)[] lastInterned = new (string?, int)[Enum.GetValues<InternSite>().Length];

    private byte[] encoded = new byte[1024];

    /// <summary>Pushes the deliver function of the message's kind and its arguments, in prelude.lua's order; returns the argument count.</summary>
    private int PushMessage(SyslogMessage m)
    {
        var state = lua.Handle;
        var rfc5424 = m.Version == 1;
        LuaStackCalls.PushCopy(state, rfc5424 ? Deliver5424Slot : DeliverSlot);
        LuaStackCalls.PushInteger(state, m.Version);
        if (m.Raw.Length > 0)
        {
            lua.PushBuffer(m.Raw);
        }
        else
        {
            PushText(m.Message);
        }

        PushInterned(LuaMessageFields.Host(m), InternSite.Host);
        PushInterned(LuaMessageFields.Hostname(m), InternSite.Hostname);
        PushInterned(LuaMessageFields.Relay(m), InternSite.Relay);
        LuaStackCalls.PushInteger(state, m.Origin.RemotePort);
        LuaStackCalls.PushBoolean(state, LuaMessageFields.IsRemote(m));
        PushInterned(m.Origin.LocalAddress, InternSite.LocalAddress);
        LuaStackCalls.PushInteger(state, m.Origin.LocalPort);
        LuaStackCalls.PushInteger(state, LuaMessageFields.Timestamp(m));
        LuaStackCalls.PushInteger(state, LuaMessageFields.LogTimestamp(m));
        PushInterned(LuaMessageFields.Program(m), InternSite.Program);
        LuaStackCalls.PushInteger(state, LuaMessageFields.Pid(m));
        LuaStackCalls.RawGetInteger(state, KeysSlot, FacilityNamesBase + (int)m.Facility);
        LuaStackCalls.RawGetInteger(state, KeysSlot, LevelNamesBase + (int)m.Severity);
        PushText(m.Message);
        if (!rfc5424)
        {
            return 16;
        }

        PushInterned(m.AppName ?? "", InternSite.AppName);
        PushInterned(m.ProcId ?? "", InternSite.ProcId);
        PushInterned(m.MsgId ?? "", InternSite.MsgId);
        lua.CreateTable(0, m.StructuredData.Count);
        foreach (var element in m.StructuredData)
        {
            lua.CreateTable(0, element.Parameters.Count);
            foreach (var (name, value) in element.Parameters)
            {
                lua.PushString(value);
                lua.SetField(-2, name);
            }

            lua.SetField(-2, element.Id);
        }

        return 20;
    }

    /// <summary>What <see cref="Lua.PushString(string)"/> pushes (the state's UTF-8 encoding), without a new array per call.</summary>
    private unsafe void PushText(string value)
    {
        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (most > encoded.Length)
        {
            encoded = new byte[most];
        }

        var length = lua.Encoding.GetBytes(value, encoded);
        fixed (byte* bytes = encoded)
        {
            pushLString(lua.Handle, bytes, (nuint)length);
        }
    }

    /// <summary>
    /// Host names, program names and socket paths repeat endlessly: each distinct one is made a Lua string once and
    /// kept in a table, so pushing it is a table read rather than an encode and a copy. The cache starts over when full.
    /// Each field also remembers the string it pushed last: the parser hands out one instance per repeated value, so
    /// most messages are answered by a reference comparison, without hashing the string.
    /// </summary>
    private void PushInterned(string value, InternSite site)
    {
        ref var last = ref lastInterned[(int)site];
        if (ReferenceEquals(last.Value, value))
        {
            LuaStackCalls.RawGetInteger(lua.Handle, InternSlot, last.Index);
            return;
        }

        if (!interned.TryGetValue(value, out var index))
        {
            index = Intern(value);
        }

        LuaStackCalls.RawGetInteger(lua.Handle, InternSlot, index);
        last = (value, index);
    }

    private int Intern(string value)
    {
        if (interned.Count == InternCapacity)
        {
            interned.Clear();
            Array.Clear(lastInterned);
            lua.CreateTable(InternCapacity, 0);
            lua.Replace(InternSlot);
        }

        var index = interned.Count + 1;
        interned[value] = index;
        lua.PushString(value);
        lua.RawSetInteger(InternSlot, index);
        return index;
    }

    /// <summary>The message fields pushed through the intern table, each with its own last-pushed entry.</summary>
    private enum InternSite
    {
        Host,
        Hostname,
        Relay,
        LocalAddress,
        Program,
        AppName,
        ProcId,
        MsgId,
    }
}
