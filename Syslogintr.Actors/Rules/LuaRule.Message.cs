using KeraLua;
using Syslogintr.Ingest;

namespace Syslogintr.Rules;

/// <summary>Building the message table: keys and recurring values come from tables of Lua strings made once.</summary>
public sealed partial class LuaRule
{
    private const int KVersion = 1;
    private const int KRaw = 2;
    private const int KHost = 3;
    private const int KRelay = 4;
    private const int KPort = 5;
    private const int KRemote = 6;
    private const int KLocalAddr = 7;
    private const int KLocalPort = 8;
    private const int KTimestamp = 9;
    private const int KLogTimestamp = 10;
    private const int KProgram = 11;
    private const int KPid = 12;
    private const int KFacility = 13;
    private const int KLevel = 14;
    private const int KMsg = 15;
    private const int KAppName = 16;
    private const int KProcId = 17;
    private const int KMsgId = 18;
    private const int KSd = 19;
    private const int FacilityNamesBase = 20;
    private const int LevelNamesBase = FacilityNamesBase + 24;

    private static readonly IReadOnlyList<string> InternKeys =
    [
        "version", "_RAW", "host", "relay", "port", "remote", "localaddr", "localport", "timestamp", "logtimestamp",
        "program", "pid", "facility", "level", "msg", "app_name", "procid", "msgid", "sd",
        .. LuaNames.FacilityNames, .. LuaNames.LevelNames,
    ];

    private void PushMessage(SyslogMessage m)
    {
        var rfc5424 = m.Version == 1;
        lua.CreateTable(0, rfc5424 ? 19 : 15);
        Key(KVersion);
        lua.PushInteger(m.Version);
        lua.RawSet(-3);
        Key(KRaw);
        if (m.Raw.Length > 0)
        {
            lua.PushBuffer(m.Raw);
        }
        else
        {
            lua.PushString(m.Message);
        }

        lua.RawSet(-3);
        Key(KHost);
        PushInterned(LuaMessageFields.Host(m));
        lua.RawSet(-3);
        Key(KRelay);
        PushInterned(LuaMessageFields.Relay(m));
        lua.RawSet(-3);
        Key(KPort);
        lua.PushInteger(m.Origin.RemotePort);
        lua.RawSet(-3);
        Key(KRemote);
        lua.PushBoolean(LuaMessageFields.IsRemote(m));
        lua.RawSet(-3);
        Key(KLocalAddr);
        PushInterned(m.Origin.LocalAddress);
        lua.RawSet(-3);
        Key(KLocalPort);
        lua.PushInteger(m.Origin.LocalPort);
        lua.RawSet(-3);
        Key(KTimestamp);
        lua.PushInteger(LuaMessageFields.Timestamp(m));
        lua.RawSet(-3);
        Key(KLogTimestamp);
        lua.PushInteger(LuaMessageFields.LogTimestamp(m));
        lua.RawSet(-3);
        Key(KProgram);
        PushInterned(LuaMessageFields.Program(m));
        lua.RawSet(-3);
        Key(KPid);
        lua.PushInteger(LuaMessageFields.Pid(m));
        lua.RawSet(-3);
        Key(KFacility);
        lua.RawGetInteger(KeysSlot, FacilityNamesBase + (int)m.Facility);
        lua.RawSet(-3);
        Key(KLevel);
        lua.RawGetInteger(KeysSlot, LevelNamesBase + (int)m.Severity);
        lua.RawSet(-3);
        Key(KMsg);
        lua.PushString(m.Message);
        lua.RawSet(-3);
        if (rfc5424)
        {
            PushRfc5424Fields(m);
        }
    }

    private void PushRfc5424Fields(SyslogMessage m)
    {
        Key(KAppName);
        PushInterned(m.AppName ?? "");
        lua.RawSet(-3);
        Key(KProcId);
        PushInterned(m.ProcId ?? "");
        lua.RawSet(-3);
        Key(KMsgId);
        PushInterned(m.MsgId ?? "");
        lua.RawSet(-3);
        Key(KSd);
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

        lua.RawSet(-3);
    }

    private void Key(int key) => lua.RawGetInteger(KeysSlot, key);

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
