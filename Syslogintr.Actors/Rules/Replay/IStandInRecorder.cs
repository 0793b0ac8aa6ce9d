namespace Syslogintr.Rules.Replay;

/// <summary>
/// Where a replay's stand-ins for a trusted script's <c>os.execute</c>, <c>io.popen</c> and <c>io.open</c> for
/// writing report each call, instead of running the command or creating the file.
/// </summary>
public interface IStandInRecorder
{
    /// <param name="action">The Lua function called: <c>os.execute</c>, <c>io.popen</c> or <c>io.open</c>.</param>
    /// <param name="key">What <paramref name="value"/> is: <c>command</c> or <c>path</c>.</param>
    /// <param name="mode">The mode argument of <c>io.popen</c> and <c>io.open</c>; null for <c>os.execute</c>.</param>
    void Record(string action, string key, string value, string? mode);
}
