namespace Syslogintr.Tests.Support;

/// <summary>
/// Akka's scheduler replaced by <see cref="Akka.TestKit.TestScheduler"/>: timers fire only when the test advances
/// time, so a test about a timer waits for nothing and cannot be stretched by a busy machine. What such a test still
/// waits for in real time is the actors' own work once a timer fired, and that can be slow in a loaded CI run (the
/// alert actor's state file is fsynced before a mail is handed over: a reminder once missed the default 3 s, 15 s into
/// a clean-clone run). A longer default expectation costs nothing when the message comes; "nothing came" is checked
/// after a round trip through the mailbox, not by waiting.
/// </summary>
public static class VirtualTime
{
    public const string Config = """
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.test.single-expect-default = 15s
        """;
}
