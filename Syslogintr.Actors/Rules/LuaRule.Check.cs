using KeraLua;

namespace Syslogintr.Rules;

/// <summary>The <c>lua</c> probe kind: a check function of a rule script, called like a hook.</summary>
public sealed partial class LuaRule
{
    /// <summary>
    /// Calls the script's global <paramref name="function"/> under the rule's instruction and time budgets. It
    /// returns <c>ok</c> (truthy: up) and an optional details string. A missing function or a Lua error is "down"
    /// with the reason; the state stays usable.
    /// </summary>
    public (bool Ok, string Details) RunCheck(string function)
    {
        current = null;
        StartClock();
        lua.PushCopy(RunSlot);
        if (lua.GetGlobal(function) != LuaType.Function)
        {
            lua.SetTop(InternSlot);
            return (false, $"{rule.ScriptName} defines no function {function}()");
        }

        if (PCallBudgeted(1, 2) != LuaStatus.OK)
        {
            var error = lua.ToString(-1, false) ?? $"error object is a {lua.TypeName(-1)}";
            lua.SetTop(InternSlot);
            return (false, $"{function}() failed: {error}");
        }

        var ok = lua.ToBoolean(-2);
        var details = lua.IsNoneOrNil(-1) ? (ok ? "ok" : "not ok") : lua.ToString(-1, false) ?? "";
        lua.SetTop(InternSlot);
        return (ok, details);
    }
}
