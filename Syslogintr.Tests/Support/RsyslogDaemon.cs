using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Syslogintr.Tests.Support;

/// <summary>
/// One real <c>rsyslogd</c> (Debian package rsyslog; TLS needs rsyslog-gnutls) in the foreground, in a folder of its
/// own with its own work directory and pid file, no system inputs, in a time zone of the test's choosing. Its
/// configuration is the test's; <see cref="PropertiesTemplate"/> writes what rsyslog parsed out of a message as one
/// JSON line.
/// </summary>
internal sealed class RsyslogDaemon : IDisposable
{
    private const string Executable = "/usr/sbin/rsyslogd";
    private readonly Process process;

    private RsyslogDaemon(Process process, string folder)
    {
        this.process = process;
        Folder = folder;
    }

    public string Folder { get; }

    /// <summary>
    /// Shared by both ends of a round trip: DNS off (a name is never looked up), control characters kept as sent, and
    /// a "/" allowed in the program name as our parser reads it (<c>postfix/smtpd</c>).
    /// </summary>
    public static string Globals(string folder) =>
        $"""global(workDirectory="{folder}" maxMessageSize="64k" net.enableDNS="off" parser.escapeControlCharactersOnReceive="off" parser.permitSlashInProgramName="on")""";

    /// <summary>A template named <c>properties</c>: rsyslog's reading of a message, one JSON object a line.</summary>
    public const string PropertiesTemplate = """
        template(name="properties" type="list") {
          constant(value="{")
          property(name="pri" format="jsonf") constant(value=",")
          property(name="hostname" format="jsonf") constant(value=",")
          property(name="programname" format="jsonf") constant(value=",")
          property(name="syslogtag" format="jsonf") constant(value=",")
          property(name="procid" format="jsonf") constant(value=",")
          property(name="msgid" format="jsonf") constant(value=",")
          property(name="timestamp" dateFormat="rfc3339" format="jsonf") constant(value=",")
          property(name="structured-data" format="jsonf") constant(value=",")
          property(name="msg" format="jsonf")
          constant(value="}\n")
        }
        """;

    /// <summary>Starts rsyslogd on <paramref name="config"/> (given its folder) with <c>TZ</c> = <paramref name="zone"/>.</summary>
    public static RsyslogDaemon Start(string folder, string zone, Func<string, string> config)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install the Debian package rsyslog");
        }

        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "rsyslog.conf");
        File.WriteAllText(file, config(folder));
        var start = new ProcessStartInfo(Executable, ["-n", "-f", file, "-i", Path.Combine(folder, "rsyslogd.pid")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["TZ"] = zone;
        var process = Process.Start(start) ?? throw new InvalidOperationException("rsyslogd did not start");

        // Drained so a chatty rsyslogd never blocks on a full pipe; kept for the failure message.
        var daemon = new RsyslogDaemon(process, folder);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return daemon;
    }

    private readonly StringBuilder output = new();

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>What rsyslogd printed (config errors, TLS trouble).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>The JSON lines rsyslog has written whole to <paramref name="file"/> (in its folder) so far.</summary>
    public IReadOnlyList<Dictionary<string, string>> Read(string file)
    {
        var path = Path.Combine(Folder, file);
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
        return [.. text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<Dictionary<string, string>>(l)!)];
    }

    /// <summary>
    /// Waits until rsyslogd reads <paramref name="port"/>: a TCP connect is accepted, or a UDP probe (a message without
    /// the test's keys) comes out in <paramref name="file"/>.
    /// </summary>
    public async Task WaitUntilListeningAsync(int port, bool udp, string file)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        using var sender = new UdpClient(AddressFamily.InterNetwork);
        while (true)
        {
            if (udp)
            {
                await sender.SendAsync("<13>Jan  1 00:00:00 probe probe: ready"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
                await Task.Delay(50);
                if (Read(file).Count > 0)
                {
                    return;
                }
            }
            else
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(50);
                }
            }

            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException($"rsyslogd does not read port {port}:\n{Output}");
            }
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        process.Dispose();
    }
}
