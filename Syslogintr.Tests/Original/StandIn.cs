namespace Syslogintr.Tests.Original;

/// <summary>
/// A recording stand-in for a program the original's scripts run (<c>iptables</c>, <c>wget</c>, <c>sendmail</c>, ...):
/// a shell script that writes its arguments (and, when it reads one, its standard input) to a record the test reads
/// back (after running <see cref="First"/>), then prints <see cref="Output"/>, runs <see cref="Then"/> and exits with <see cref="ExitCode"/>. Installed at
/// <see cref="Path"/> inside the run's mount namespace only (the host's file stays untouched), or on the node's PATH
/// when <see cref="Path"/> is just a name.
/// </summary>
public sealed record StandIn(string Name, string Path)
{
    /// <summary>Reads its standard input to the end first (sendmail, wall), as the real program does.</summary>
    public bool ReadsStdin { get; init; }

    public int ExitCode { get; init; }

    /// <summary>Printed on standard output (what a script reads back through <c>io.popen</c>).</summary>
    public string Output { get; init; } = "";

    /// <summary>Shell commands run before anything else (e.g. an MTA that logs and hangs before it reads the mail).</summary>
    public string First { get; init; } = "";

    /// <summary>Shell commands run after recording, before exiting (e.g. <c>sleep 30</c> for a program that hangs).</summary>
    public string Then { get; init; } = "";

    public bool OnPath => !Path.Contains('/');

    /// <summary>
    /// The stand-ins every run gets, so nothing a script runs is ever real: iptables (succeeds), wget (fails as when
    /// the web server is down: nothing on stdout, exit 4), sendmail and wall (read the text given them), the init
    /// scripts of httpd and named.
    /// </summary>
    public static IReadOnlyList<StandIn> Defaults { get; } =
    [
        new("iptables", "iptables"),
        new("wget", "wget") { ExitCode = 4 },
        new("sendmail", "/usr/sbin/sendmail") { ReadsStdin = true },
        new("wall", "/usr/bin/wall") { ReadsStdin = true },
        new("httpd", "/etc/init.d/httpd"),
        new("named", "/etc/init.d/named"),
    ];

    /// <summary>The script: stdin first, then the argv (written under a temporary name and renamed, so a record that exists is whole).</summary>
    internal string Script(string records)
    {
        var record = $"{records}/{Name}.$(date +%s%N).$$";
        return $"""
            #!/bin/sh
            # Recording stand-in for {Name} (Syslogintr.Tests/Original): the real one never runs in these tests.
            record="{record}"
            {First}
            {(ReadsStdin ? "cat > \"$record.stdin\"" : ": > \"$record.stdin\"")}
            for word in "$@"; do printf '%s\0' "$word"; done > "$record.tmp" && mv "$record.tmp" "$record.argv"
            printf '%s' '{Output.Replace("'", "'\\''", StringComparison.Ordinal)}'
            {Then}
            exit {ExitCode}

            """;
    }
}

/// <summary>One run of a stand-in: its arguments (without argv[0]) and what it read on standard input.</summary>
public sealed record Invocation(IReadOnlyList<string> Argv, string Stdin)
{
    public override string ToString() => string.Join(' ', Argv) + (Stdin.Length > 0 ? $" <<< {Stdin}" : "");
}
