namespace Syslogintr.Tests.Support;

/// <summary>
/// Akka's scheduler replaced by <see cref="Akka.TestKit.TestScheduler"/>: timers fire only when the test advances
/// time, so a test about a timer waits for nothing and cannot be stretched by a busy machine.
/// </summary>
public static class VirtualTime
{
    public const string Config = """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """;
}
