using System.Diagnostics;
using System.Runtime.CompilerServices;
using Syslogintr.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// The budget watchdog looks from a thread of its own: with every thread-pool thread held by stuck work (what stuck
/// actors on a pool dispatcher do) a runaway rule is still stopped within its budget. Serial: it starves the pool.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RunawayRuleOnAStarvedPoolTests : IDisposable
{
    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_runaway_log_is_stopped_while_every_pool_thread_is_blocked()
    {
        using var rule = LuaRule.Load(folder.Rule("t", "function log(m) while true do end end"), effects, TimeProvider.System, "node1");
        // Every pool thread held, and the pool kept from adding any: a look queued to the pool would never come.
        // Sleeping, not Task.Wait, which the pool notices. Items still queued when the test ends see the flag and return.
        ThreadPool.GetMaxThreads(out var maxWorkers, out var maxIo);
        Assert.True(ThreadPool.SetMaxThreads(Math.Max(ThreadPool.ThreadCount, Environment.ProcessorCount), maxIo));
        var released = new StrongBox<bool>();
        var blocked = ThreadPool.ThreadCount + 4;
        for (var i = 0; i < blocked; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                _ =>
                {
                    var until = Stopwatch.StartNew();
                    while (!Volatile.Read(ref released.Value) && until.Elapsed < TimeSpan.FromSeconds(60))
                    {
                        Thread.Sleep(5);
                    }
                },
                null);
        }

        // On a thread of its own, so a rule that is never stopped fails the test instead of hanging it.
        RuleError? error = null;
        var caller = new Thread(() => error = rule.Deliver(RuleFolder.Message("x")));
        try
        {
            caller.Start();
            Assert.True(caller.Join(TimeSpan.FromSeconds(10)), $"a runaway rule still ran after 10 s with {blocked} pool work items blocked");
            Assert.Contains("budget exceeded", error?.Message);
        }
        finally
        {
            Volatile.Write(ref released.Value, true);
            ThreadPool.SetMaxThreads(maxWorkers, maxIo);
            caller.Join(TimeSpan.FromSeconds(30)); // the state is closed only once no call runs in it
        }
    }
}
