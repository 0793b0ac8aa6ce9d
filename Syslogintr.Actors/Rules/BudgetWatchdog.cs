namespace Syslogintr.Rules;

/// <summary>
/// Arms a Lua state's budget hook only for a call that runs long. Any count hook makes Lua 5.4 trace every
/// instruction (about 300 ns a message for the bench's trivial rule), so calls run without one: while the state is
/// busy, the watchdog's thread looks every <see cref="Period"/>, and a call it finds running at two looks in a row
/// (it has run at least one period) gets the hook from that thread. Lua allows that: <c>lua_sethook</c> is the call
/// <c>lua.c</c> makes from its SIGINT handler to stop a running script, and the VM re-reads its trap on every jump
/// and call, so even <c>while true do end</c> sees it. The call's owner takes the hook off when the call returns.
/// The thread is the watchdog's own, not the thread pool's: a pool starved by blocked actors must not keep a runaway
/// rule running. It looks only while calls are being made and otherwise sleeps: an idle state costs nothing.
/// </summary>
/// <remarks>
/// The owner's side is two interlocked operations a call; the hook's own C function is the one
/// <c>debug.sethook</c> installed from prelude.lua (it calls the Lua hook registered for the state), read back
/// with <c>lua_gethook</c>, so the error it raises is an ordinary Lua error, never a longjmp across .NET frames.
/// One race is accepted, as Lua accepts it for lua.c's handler: <c>lua_sethook</c> marks the running call's frames
/// from this thread, and a frame the call returns from and Lua's collector frees in that same instant would be
/// written after it was freed. It needs a call already past one period (a runaway rule) and a preemption of this
/// thread inside a walk of a few frames.
/// </remarks>
internal sealed unsafe class BudgetWatchdog : IDisposable
{
    /// <summary>How often a busy state is looked at; a long call gets its hook after one to two periods.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    private const int MaskCount = 1 << 3; // LUA_MASKCOUNT
    private const int Idle = 0;
    private const int InCall = 1;
    private const int Arming = 2;
    private const int Armed = 3;
    private const int Closed = 4;

    private static readonly delegate* unmanaged<IntPtr, IntPtr, int, int, void> SetHook =
        (delegate* unmanaged<IntPtr, IntPtr, int, int, void>)LuaLibrary.Export("lua_sethook");

    private static readonly delegate* unmanaged<IntPtr, IntPtr> GetHook =
        (delegate* unmanaged<IntPtr, IntPtr>)LuaLibrary.Export("lua_gethook");

    private static readonly delegate* unmanaged<IntPtr, int> GetHookCount =
        (delegate* unmanaged<IntPtr, int>)LuaLibrary.Export("lua_gethookcount");

    private readonly IntPtr state;
    private readonly IntPtr hook;
    private readonly int hookCount;
    private readonly Thread looker;
    private readonly object gate = new();

    // Written by the owner's thread only; the timer reads them.
    private long calls;
    private int callState;

    // Under gate.
    private bool watching;
    private long callsAtLastLook;

    /// <summary>Takes over the hook the state has now (prelude.lua's) and takes it off until a call runs long.</summary>
    /// <param name="state">The state's main thread (<c>lua_State*</c>), the one the owner calls into.</param>
    public BudgetWatchdog(IntPtr state)
    {
        this.state = state;
        hook = GetHook(state);
        hookCount = GetHookCount(state);
        if (hook == IntPtr.Zero)
        {
            throw new InvalidOperationException("the rule prelude installed no budget hook");
        }

        SetHook(state, IntPtr.Zero, 0, 0);
        looker = new Thread(LookWhileBusy, maxStackSize: 256 * 1024) { IsBackground = true, Name = "lua-watchdog" };
        looker.Start();
    }

    /// <summary>Whether the thread looks: while calls are being made, and a period or two after the last.</summary>
    internal bool Watching
    {
        get
        {
            lock (gate)
            {
                return watching;
            }
        }
    }

    /// <summary>A call into the state begins (owner's thread).</summary>
    public void Enter()
    {
        calls++;
        // A full fence: the timer, deciding to stop, either sees this call or is seen to have stopped.
        Interlocked.Exchange(ref callState, InCall);
        if (!Volatile.Read(ref watching))
        {
            StartWatching();
        }
    }

    /// <summary>The call returned (owner's thread): its hook, if it got one, comes off.</summary>
    public void Leave()
    {
        var spin = default(SpinWait);
        while (true)
        {
            var now = Volatile.Read(ref callState);
            if (now == Arming)
            {
                // The timer is between its check and lua_sethook: a few instructions, unless it was preempted.
                spin.SpinOnce();
                continue;
            }

            if (Interlocked.CompareExchange(ref callState, Idle, now) == now)
            {
                if (now == Armed)
                {
                    SetHook(state, IntPtr.Zero, 0, 0);
                }

                return;
            }
        }
    }

    /// <summary>Stops the thread; after this the state is never touched from another thread (call before closing it).</summary>
    public void Dispose()
    {
        lock (gate)
        {
            Volatile.Write(ref callState, Closed);
            watching = true; // never started again
            Monitor.PulseAll(gate);
        }

        looker.Join();
    }

    private void StartWatching()
    {
        lock (gate)
        {
            if (!watching)
            {
                watching = true;
                Monitor.Pulse(gate);
            }
        }
    }

    /// <summary>The watchdog's thread: asleep while the state is idle, a look every period while it is busy.</summary>
    private void LookWhileBusy()
    {
        lock (gate)
        {
            while (Volatile.Read(ref callState) != Closed)
            {
                if (!watching)
                {
                    Monitor.Wait(gate);
                    continue;
                }

                Monitor.Wait(gate, Period);
                if (Volatile.Read(ref callState) != Closed)
                {
                    Look();
                }
            }
        }
    }

    /// <summary>One look (under the gate): arms the hook of a call that has run a period, or stops looking.</summary>
    private void Look()
    {
        var seen = Volatile.Read(ref calls);
        var sameCall = seen == callsAtLastLook;
        callsAtLastLook = seen;
        if (sameCall && Interlocked.CompareExchange(ref callState, Arming, InCall) == InCall)
        {
            // The call that was running at the last look still is: it has run at least one period.
            SetHook(state, hook, MaskCount, hookCount);
            Volatile.Write(ref callState, Armed);
            return;
        }

        if (sameCall && Volatile.Read(ref callState) == Idle)
        {
            // No call for a whole period: stop looking, unless a call began meanwhile (see Enter).
            Volatile.Write(ref watching, false);
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref calls) != seen || Volatile.Read(ref callState) != Idle)
            {
                watching = true;
            }
        }
    }
}
