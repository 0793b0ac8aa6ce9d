using KeraLua;

namespace Syslogintr.Rules;

/// <summary>State that moves: a bucket's <c>snapshot()</c> on the node that hands it off, <c>restore(t)</c> on the one that takes it over.</summary>
public sealed partial class LuaRule
{
    /// <summary>
    /// Calls <c>snapshot()</c> under the budgets and encodes the table it returns (<see cref="LuaSnapshotCodec"/>).
    /// (null, null) when the script defines no <c>snapshot</c>: its state restarts where the bucket goes.
    /// </summary>
    public (byte[]? State, RuleError? Error) Snapshot()
    {
        current = null;
        StartClock();
        lua.PushCopy(RunSlot);
        if (lua.GetGlobal("snapshot") != LuaType.Function)
        {
            lua.SetTop(InternSlot);
            return (null, null);
        }

        var status = PCallBudgeted(1, 1);
        if (status != LuaStatus.OK)
        {
            return (null, Finish(status, "snapshot"));
        }

        try
        {
            return (LuaSnapshotCodec.Encode(lua, -1), null);
        }
        catch (SnapshotException e)
        {
            return (null, new RuleError(rule.Name, "snapshot", e.Message));
        }
        finally
        {
            lua.SetTop(InternSlot);
        }
    }

    /// <summary>Calls <c>restore(t)</c> with the table <paramref name="state"/> holds; null on success, else the error (the state stays usable).</summary>
    public RuleError? Restore(byte[] state)
    {
        current = null;
        StartClock();
        lua.PushCopy(RunSlot);
        if (lua.GetGlobal("restore") != LuaType.Function)
        {
            lua.SetTop(InternSlot);
            return new RuleError(rule.Name, "restore", "a snapshot of this bucket was handed over but the script defines no restore(t); its state restarts");
        }

        try
        {
            LuaSnapshotCodec.Push(lua, state);
        }
        catch (SnapshotException e)
        {
            lua.SetTop(InternSlot);
            return new RuleError(rule.Name, "restore", e.Message);
        }

        return Finish(PCallBudgeted(2, 0), "restore");
    }
}
