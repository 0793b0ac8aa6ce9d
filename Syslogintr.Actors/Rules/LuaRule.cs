using System.Diagnostics;
using System.Text;
using System.Collections.Immutable;
using KeraLua;
using Syslogintr.Ingest;
using Syslogintr.Pipeline;
using Syslogintr.Rules.Replay;
using LuaFunction = KeraLua.LuaFunction;

namespace Syslogintr.Rules;

/// <summary>
/// One rule script in one Lua 5.4 state: builds the original's message table with the stack API, calls the
/// script's hooks under an instruction budget, and turns the script's calls (<c>relay</c>, <c>ban</c>, ...) into
/// <see cref="IRuleEffects"/>. Not thread-safe: its owner (a rule worker actor, or <c>syslogintr test-rule</c>)
/// calls it from one thread at a time.
/// </summary>
public sealed partial class LuaRule : IDisposable
{
    // Fixed stack slots of the main thread, kept for the state's life.
    private const int KeysSlot = 1;
    private const int DeliverSlot = 2;
    private const int Deliver5424Slot = 3;
    private const int CallHookSlot = 4;
    private const int RunSlot = 5;
    private const int LogRefilledSlot = 6;
    private const int InternSlot = 7;
    private const int InternCapacity = 4096;

    private readonly RuleDefinition rule;
    private readonly IRuleEffects effects;
    private readonly TimeProvider clock;
    private readonly string hostName;
    private readonly InternalMessages messages;
    private readonly Dictionary<string, int> interned = new(StringComparer.Ordinal);

    // Kept in fields so the delegates Lua holds pointers to live as long as the state.
    private readonly LuaFunction[] hostFunctions;
    private readonly LuaFunction recordStandIn;
    private readonly IStandInRecorder? recorder;
    private readonly Lua lua;
    private BudgetWatchdog? watchdog;
    private SyslogMessage? current;
    private long callStarted;
    private long pausedAt;
    private bool disposed;

    private LuaRule(RuleDefinition rule, IRuleEffects effects, TimeProvider clock, string hostName, IStandInRecorder? recorder)
    {
        this.recorder = recorder;
        recordStandIn = HostRecordStandIn;
        this.rule = rule;
        this.effects = effects;
        this.clock = clock;
        this.hostName = hostName;
        messages = new InternalMessages(clock, hostName);
        lua = new Lua(openLibs: false) { Encoding = Encoding.UTF8 };
        // As `lua -E`: package.path and cpath start as the library's compiled-in defaults, which LuaSearchPath puts
        // after LUA_PATH/LUA_CPATH and the script's folder, in the original's order.
        lua.PushBoolean(true);
        lua.SetField((int)LuaRegistry.Index, "LUA_NOENV");
        lua.OpenLibs();
        hostFunctions = [HostAlarm, HostRelay, HostAlert, HostBan, HostWrite, HostExec, HostSyslog, HostNow, HostAllowed, HostOvertime, HostPause, HostResume];
    }

    /// <summary>
    /// Whether the script's <c>log</c> only reads fields of its message, so one table per kind is refilled for every
    /// message instead of a new one built (message-reuse.lua; never for a trusted rule).
    /// </summary>
    public bool RefillsMessageTable
    {
        get
        {
            lua.PushCopy(LogRefilledSlot);
            var refilled = lua.PCall(0, 1, 0) == LuaStatus.OK && lua.ToBoolean(-1);
            lua.SetTop(InternSlot);
            return refilled;
        }
    }

    /// <summary>Bytes the Lua heap holds now.</summary>
    public long MemoryBytes => ((long)lua.GarbageCollector(LuaGC.Count, 0) * 1024) + lua.GarbageCollector(LuaGC.Countb, 0);

    /// <summary>A new state running the rule's script; <see cref="RuleLoadException"/> when the script does not load or run.</summary>
    /// <param name="recorder">Replays only: a trusted script's <c>os.execute</c>, <c>io.popen</c> and <c>io.open</c>
    /// for writing are recorded there (replay.lua) instead of run.</param>
    public static LuaRule Load(RuleDefinition rule, IRuleEffects effects, TimeProvider clock, string hostName, IStandInRecorder? recorder = null)
    {
        try
        {
            LuaLibrary.EnsureLoaded();
        }
        catch (TypeInitializationException e) when (e.InnerException is InvalidOperationException or DllNotFoundException)
        {
            // No Lua library (a wrong SYSLOGINTR_LUA_LIBRARY): every rule fails to load, with the reason, not a stack trace.
            throw new RuleLoadException(rule.Name, e.InnerException.Message);
        }

        var state = new LuaRule(rule, effects, clock, hostName, recorder);
        try
        {
            state.Start();
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The original's SIGUSR1: runs the script file again in this state, so globals and <c>package.loaded</c>
    /// survive. <see cref="RuleLoadException"/> when it does not compile (nothing changed) or its top level fails
    /// (what ran before the error stays, as in the original's <c>lua_pcall</c>); the state stays usable.
    /// </summary>
    public void Rerun() => RunScript();

    /// <summary>Calls <c>log(msg)</c>; null on success, else the Lua error (the state stays usable).</summary>
    public RuleError? Deliver(SyslogMessage message) => Deliver(message, Stopwatch.GetTimestamp());

    /// <summary>As <see cref="Deliver(SyslogMessage)"/>, its time budget counted from <paramref name="started"/>
    /// (a <see cref="Stopwatch"/> timestamp the caller read anyway: one clock read a message, not two).</summary>
    public RuleError? Deliver(SyslogMessage message, long started)
    {
        current = message;
        StartClock(started);
        return Finish(PCallBudgeted(PushMessage(message), 0), "log");
    }

    /// <summary>Calls the named hook (<c>reload_signal</c>, <c>alarm_handler</c>, <c>cleanup</c>) if the script defines it.</summary>
    public RuleError? CallHook(string name)
    {
        current = null;
        StartClock();
        lua.PushCopy(CallHookSlot);
        lua.PushString(name);
        return Finish(PCallBudgeted(1, 0), name);
    }

    /// <summary>A full collection, then <see cref="MemoryBytes"/> against the limit.</summary>
    public bool OverMemoryLimit()
    {
        if (MemoryBytes <= rule.MemoryLimitBytes)
        {
            return false;
        }

        lua.GarbageCollector(LuaGC.Collect, 0);
        return MemoryBytes > rule.MemoryLimitBytes;
    }

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            watchdog?.Dispose();
            lua.Close();
        }
    }

    private RuleError? Finish(LuaStatus status, string hook)
    {
        current = null;
        if (status == LuaStatus.OK)
        {
            return null;
        }

        var message = lua.ToString(-1, false) ?? $"error object is a {lua.TypeName(-1)}";
        lua.SetTop(InternSlot);
        // prelude.lua's budget hook raises this text (with no position prefix, level 0).
        return new RuleError(rule.Name, hook, message, message.StartsWith("budget exceeded", StringComparison.Ordinal));
    }

    /// <summary>
    /// <c>lua_pcall</c> under the budgets: the hook that enforces them is armed only if the call runs long
    /// (<see cref="BudgetWatchdog"/>).
    /// </summary>
    private LuaStatus PCallBudgeted(int arguments, int results)
    {
        var watch = watchdog!;
        watch.Enter();
        try
        {
            return lua.PCall(arguments, results, 0);
        }
        finally
        {
            watch.Leave();
        }
    }

    /// <summary>A hook call begins: its time budget counts from now.</summary>
    private void StartClock() => StartClock(Stopwatch.GetTimestamp());

    /// <summary>A call begins: its time budget counts from <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    private void StartClock(long started)
    {
        callStarted = started;
        pausedAt = 0;
    }

    private void Start()
    {
        var defaults = DefaultSearchPath();
        lua.CreateTable(InternKeys.Count, 0);
        for (var i = 0; i < InternKeys.Count; i++)
        {
            lua.PushString(InternKeys[i]);
            lua.RawSetInteger(-2, i + 1);
        }

        var prelude = LoadResource("prelude.lua");
        if (lua.LoadBuffer(prelude, "=prelude") != LuaStatus.OK)
        {
            throw new InvalidOperationException("the rule prelude does not compile: " + lua.ToString(-1, false));
        }

        PushHostFunctions();
        PushSettings(defaults);
        if (lua.LoadBuffer(LoadResource("message-reuse.lua"), "=message-reuse") != LuaStatus.OK || lua.PCall(0, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException("the message reuse check does not load: " + lua.ToString(-1, false));
        }

        if (lua.PCall(3, 5, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException("the rule prelude failed: " + lua.ToString(-1, false));
        }

        watchdog = new BudgetWatchdog(lua.Handle);
        lua.CreateTable(InternCapacity, 0);
        if (lua.GetTop() != InternSlot)
        {
            throw new InvalidOperationException("the rule prelude left the stack unbalanced");
        }

        if (recorder is not null && rule.Trusted)
        {
            InstallReplayStandIns();
        }

        RunScript();
    }

    /// <summary>
    /// Runs the script file in this state, under the budgets, and checks that <c>log</c> is a function; a
    /// <see cref="RuleLoadException"/> if not. What the top level did before an error stays done.
    /// </summary>
    private void RunScript()
    {
        StartClock();
        lua.PushCopy(RunSlot);
        if (lua.LoadFile(rule.ScriptPath, "t") != LuaStatus.OK)
        {
            var reason = lua.ToString(-1, false) ?? "cannot load the script";
            lua.SetTop(InternSlot);
            throw LoadFailed(reason);
        }

        if (PCallBudgeted(1, 0) != LuaStatus.OK)
        {
            var error = lua.ToString(-1, false) ?? $"its top level raised a {lua.TypeName(-1)}";
            lua.SetTop(InternSlot);
            throw LoadFailed(error.StartsWith("budget exceeded", StringComparison.Ordinal)
                ? $"its top level was stopped by the budget (instruction-budget {rule.InstructionBudget}, time-budget {rule.TimeBudget.TotalMilliseconds:0} ms): {error}"
                : error);
        }

        var hasLog = lua.GetGlobal("log") == LuaType.Function;
        lua.SetTop(InternSlot);
        if (!hasLog)
        {
            throw LoadFailed($"{rule.ScriptPath} does not define a function log(msg)");
        }
    }

    /// <summary>replay.lua, with the function it records through. Trusted rules only: a sandboxed rule's os.execute and io.popen already refuse, as live.</summary>
    private void InstallReplayStandIns()
    {
        if (lua.LoadBuffer(LoadResource("replay.lua"), "=replay") != LuaStatus.OK)
        {
            throw new InvalidOperationException("the replay stand-ins do not compile: " + lua.ToString(-1, false));
        }

        lua.PushCFunction(recordStandIn);
        if (lua.PCall(1, 0, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException("the replay stand-ins failed: " + lua.ToString(-1, false));
        }
    }

    private int HostRecordStandIn(IntPtr state) => Guard(state, l =>
    {
        recorder!.Record(l.ToString(1, false), l.ToString(2, false), l.ToString(3, false), l.Type(4) == LuaType.String ? l.ToString(4, false) : null);
        return null;
    });

    /// <summary>The reason, naming the script: Lua's messages carry "file:line:" (its tail, when the path is long), not all of them.</summary>
    private RuleLoadException LoadFailed(string reason) =>
        new(rule.Name, reason.Contains(rule.ScriptName, StringComparison.Ordinal) ? reason : $"{rule.ScriptPath}: {reason}");

    private void PushHostFunctions()
    {
        string[] names = ["alarm", "relay", "alert", "ban", "write", "exec", "syslog", "now", "allowed", "overtime", "pause", "resume"];
        lua.CreateTable(0, names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            lua.PushCFunction(hostFunctions[i]);
            lua.SetField(-2, names[i]);
        }
    }

    /// <summary>package.path and package.cpath as the library set them (with LUA_NOENV: its compiled-in defaults).</summary>
    private (string Path, string CPath) DefaultSearchPath()
    {
        lua.GetGlobal("package");
        lua.GetField(-1, "path");
        lua.GetField(-2, "cpath");
        var defaults = (lua.ToString(-2, false) ?? "", lua.ToString(-1, false) ?? "");
        lua.Pop(3);
        return defaults;
    }

    private void PushSettings((string Path, string CPath) defaults)
    {
        lua.CreateTable(0, 10);
        SetField("script", rule.ScriptName);
        SetField("scriptpath", rule.ScriptPath);
        var (path, cpath) = rule.Trusted
            ? LuaSearchPath.Trusted(rule, Environment.GetEnvironmentVariable, defaults.Path, defaults.CPath)
            : (LuaSearchPath.Sandboxed(rule), "");
        SetField("path", path);
        SetField("cpath", cpath);
        SetField("library", LuaLibrary.Description);
        lua.PushBoolean(rule.Trusted);
        lua.SetField(-2, "trusted");

        // A count hook every HookCount instructions: cheap, and fine-grained enough for a ~100 ms budget.
        const int HookCount = 1000;
        lua.PushInteger(HookCount);
        lua.SetField(-2, "hook_count");
        lua.PushInteger(Math.Max(1, rule.InstructionBudget / HookCount));
        lua.SetField(-2, "budget_ticks");
        lua.PushInteger(rule.MemoryLimitBytes);
        lua.SetField(-2, "max_string");
        PushOptions(rule.Options);
        lua.SetField(-2, "options");

        void SetField(string key, string value)
        {
            lua.PushString(value);
            lua.SetField(-2, key);
        }
    }

    /// <summary>Option values as Lua values: maps and lists as tables, numbers and booleans as such.</summary>
    private void PushOptions(object value)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object> map:
                lua.CreateTable(0, map.Count);
                foreach (var (key, item) in map)
                {
                    PushOptions(item);
                    lua.SetField(-2, key);
                }

                break;
            case ImmutableArray<object> list:
                lua.CreateTable(list.Length, 0);
                for (var i = 0; i < list.Length; i++)
                {
                    PushOptions(list[i]);
                    lua.RawSetInteger(-2, i + 1);
                }

                break;
            case long integer:
                lua.PushInteger(integer);
                break;
            case double number:
                lua.PushNumber(number);
                break;
            case bool flag:
                lua.PushBoolean(flag);
                break;
            default:
                lua.PushString((string)value);
                break;
        }
    }

    private static byte[] LoadResource(string name)
    {
        using var stream = typeof(LuaRule).Assembly.GetManifestResourceStream("Syslogintr.Rules.Lua." + name)
            ?? throw new InvalidOperationException($"{name} is not embedded in this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>A rule's script does not compile, fails at load, or lacks <c>log</c>.</summary>
public sealed class RuleLoadException(string rule, string reason) : Exception($"rule '{rule}': {reason}")
{
    public string Reason { get; } = reason;
}
