namespace Syslogintr.Probes;

/// <summary>
/// The original's named check: read the pid from a pid file and check that the process exists (and, optionally,
/// that its command name is the expected one, so a recycled pid is not taken for the daemon). A missing, empty or
/// garbled pid file means "down", never a crash of the probe.
/// </summary>
public sealed class PidFileProbe(string path, string? processName, string procRoot = "/proc") : IProbe
{
    public async Task<ProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ProbeResult.Down($"pid file {path} is missing (crash?)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ProbeResult.Down($"pid file {path} cannot be read: {e.Message}");
        }

        var first = text.Trim().Split('\n', 2)[0].Trim();
        if (first.Length == 0)
        {
            return ProbeResult.Down($"pid file {path} is empty");
        }

        if (!int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return ProbeResult.Down($"pid file {path} holds no pid ('{Shorten(first)}')");
        }

        var processDir = Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!Directory.Exists(processDir))
        {
            return ProbeResult.Down($"process {pid} from {path} is not running");
        }

        if (processName is null)
        {
            return ProbeResult.Ok($"still running (pid {pid})");
        }

        string comm;
        try
        {
            comm = (await File.ReadAllTextAsync(Path.Combine(processDir, "comm"), cancellationToken)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended between the two reads.
            return ProbeResult.Down($"process {pid} from {path} is not running");
        }

        return comm == processName
            ? ProbeResult.Ok($"still running (pid {pid}, {comm})")
            : ProbeResult.Down($"pid {pid} from {path} is '{comm}', not '{processName}'");
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
