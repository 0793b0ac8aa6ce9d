namespace Syslogintr.Tests.Support;

/// <summary>Waits up to 20 s for a condition, looking again every 50 ms; fails the test with what it waited for.</summary>
public static class Poll
{
    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within 20 s: {what}");
            await Task.Delay(50);
        }
    }
}
