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

    private byte[] encoded = new byte[1024];

    /// <summary>Pushes the deliver function of the message's kind and its arguments, in prelude.lua's order; returns the argument count.</summary>
    private int PushMessage(SyslogMessage m)
    {
        var rfc5424 = m.Version == 1;
        lua.PushCopy(rfc5424 ? Deliver5424Slot : DeliverSlot);
        lua.PushInteger(m.Version);
        if (m.Raw.Length > 0)
        {
            lua.PushBuffer(m.Raw);
        }
        else
        {
            PushText(m.Message);
        }

        PushInterned(LuaMessageFields.Host(m));
        PushInterned(LuaMessageFields.Hostname(m));
        PushInterned(LuaMessageFields.Relay(m));
        lua.PushInteger(m.Origin.RemotePort);
        lua.PushBoolean(LuaMessageFields.IsRemote(m));
        PushInterned(m.Origin.LocalAddress);
        lua.PushInteger(m.Origin.LocalPort);
        lua.PushInteger(LuaMessageFields.Timestamp(m));
        lua.PushInteger(LuaMessageFields.LogTimestamp(m));
        PushInterned(LuaMessageFields.Program(m));
        lua.PushInteger(LuaMessageFields.Pid(m));
        lua.RawGetInteger(KeysSlot, FacilityNamesBase + (int)m.Facility);
        lua.RawGetInteger(KeysSlot, LevelNamesBase + (int)m.Severity);
        PushText(m.Message);
        if (!rfc5424)
        {
            return 16;
        }

        PushInterned(m.AppName ?? "");
        PushInterned(m.ProcId ?? "");
        PushInterned(m.MsgId ?? "");
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
    /// </summary>
    private void PushInterned(string value)
    {
        if (interned.TryGetValue(value, out var index))
        {
            lua.RawGetInteger(InternSlot, index);
            return;
        }

        if (interned.Count == InternCapacity)
        {
            interned.Clear();
            lua.CreateTable(InternCapacity, 0);
            lua.Replace(InternSlot);
        }

        index = interned.Count + 1;
        interned[value] = index;
        lua.PushString(value);
        lua.PushCopy(-1);
        lua.RawSetInteger(InternSlot, index);
    }
}
