using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Syslogintr.Probes;

/// <summary>
/// The original's Apache check: fetch mod_status's machine-readable page (<c>/server-status?auto</c>), and log its
/// statistics. Down when the server cannot be reached, answers other than 2xx, or the page carries none of the
/// statistics (the original's "every value is 0").
/// </summary>
public sealed class HttpStatusProbe : IProbe, IDisposable
{
    /// <summary>The mod_status keys we log, with the names used in the log line, in the original's order.</summary>
    private static readonly (string Key, string Name)[] Fields =
    [
        ("Total Accesses", "accesses"),
        ("Total kBytes", "kbytes"),
        ("CPULoad", "cpuload"),
        ("Uptime", "uptime"),
        ("ReqPerSec", "req/s"),
        ("BytesPerSec", "bytes/s"),
        ("BytesPerReq", "bytes/req"),
        ("BusyWorkers", "busy"),
        ("IdleWorkers", "idle"),
    ];

    private readonly Uri url;
    private readonly HttpClient client;

    public HttpStatusProbe(Uri url, string? user, string? password)
    {
        this.url = url;
        client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            // The run actor owns the deadline; HttpClient's own would only race with it.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (user is not null)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    public async Task<ProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        string body;
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return ProbeResult.Down($"WEB SERVER NOT RUNNING: {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return ProbeResult.Down($"WEB SERVER NOT RUNNING: {url}: {e.Message}");
        }

        var stats = ParseAuto(body);
        var line = FormatStats(stats);
        return line.Length == 0
            ? ProbeResult.Down($"WEB SERVER NOT RUNNING: {url} returned no mod_status statistics")
            : ProbeResult.Ok(line);
    }

    public void Dispose() => client.Dispose();

    /// <summary>The <c>Key: value</c> lines of a <c>?auto</c> page.</summary>
    public static Dictionary<string, string> ParseAuto(string body)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in body.Split('\n'))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                values[raw[..colon].Trim()] = raw[(colon + 1)..].Trim();
            }
        }

        return values;
    }

    /// <summary>One log line of the statistics present, e.g. <c>accesses=12 kbytes=3 uptime=2d_3h_4m_5s ...</c>; empty when none is.</summary>
    public static string FormatStats(IReadOnlyDictionary<string, string> stats)
    {
        var parts = new List<string>();
        foreach (var (key, name) in Fields)
        {
            if (stats.TryGetValue(key, out var value) && value.Length > 0)
            {
                parts.Add(key == "Uptime" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? $"{name}={DeltaTime(seconds)}"
                    : $"{name}={value}");
            }
        }

        return string.Join(' ', parts);
    }

    /// <summary>Seconds as the original's <c>deltatime</c> wrote them: <c>1y_2d_3h_4m_5s</c>, leading zero units left out.</summary>
    public static string DeltaTime(long seconds)
    {
        var units = new (long Size, char Suffix)[] { (365 * 86400, 'y'), (86400, 'd'), (3600, 'h'), (60, 'm'), (1, 's') };
        var parts = new List<string>();
        foreach (var (size, suffix) in units)
        {
            var n = seconds / size;
            seconds %= size;
            if (n > 0 || parts.Count > 0 || size == 1)
            {
                parts.Add(n.ToString(CultureInfo.InvariantCulture) + suffix);
            }
        }

        return string.Join('_', parts);
    }
}
