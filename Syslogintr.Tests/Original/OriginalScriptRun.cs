using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Original;

/// <summary>What a run's namespace holds besides the defaults.</summary>
public sealed record OriginalScriptSetup
{
    /// <summary>Names a script relays to (<c>host("lucy.roswell.conman.org")</c>) → the loopback address they mean here.</summary>
    public IReadOnlyDictionary<string, string> Hosts { get; init; } = new Dictionary<string, string>();

    /// <summary>Further addresses put on <c>lo</c> (a script's literal relay target, such as royal-oak's 74.173.118.3).</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Replace the stand-ins of <see cref="StandIn.Defaults"/> of the same name, or add to them.</summary>
    public IReadOnlyList<StandIn> StandIns { get; init; } = [];

    /// <summary>The test's own Lua modules (file name → source), first on <c>-p</c> (<see cref="OriginalScriptRun.LuaPath"/>).</summary>
    public IReadOnlyDictionary<string, string> LuaModules { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// One of the original syslogintr's scripts run unchanged by the real node, with the original's command line, in
/// namespaces of its own (<c>unshare --mount --net --uts</c>, as root): only <c>lo</c>, with the addresses the script
/// relays to; tmpfs over <c>/var/log</c>, <c>/tmp</c> and <c>/run</c>; <c>/etc/hosts</c> naming the script's relay
/// hosts; recording stand-ins (<see cref="StandIn"/>) at <c>/usr/sbin/sendmail</c>, <c>/usr/bin/wall</c>,
/// <c>/etc/init.d/*</c> (overlays: the host's files stay untouched) and on PATH. Nothing the script does leaves the
/// namespaces; the test feeds it with <c>logger</c>, receives its relays with <see cref="RelayReceiver"/> and reads its
/// files and the stand-ins' records back from inside. The host's /tmp is hidden in there: whatever the node reads
/// lives in the build output (<see cref="Data"/>) or is copied in by the setup (stand-ins, <see cref="OriginalScriptSetup.LuaModules"/>).
/// </summary>
public sealed class OriginalScriptRun : IAsyncDisposable
{
    /// <summary>The run's own folder inside the namespace (on the tmpfs over /run): socket, stand-ins, records.</summary>
    public const string Run = "/run/original";

    /// <summary>The unix socket the node listens on (<c>-s</c>): the original's <c>/dev/log</c> would be the host's.</summary>
    public const string Socket = Run + "/log";

    private const string Records = Run + "/records";
    private const string Modules = Run + "/lua";
    private const int SigKill = 9;

    private readonly string folder;
    private readonly Process holder;
    private readonly int pid;
    private readonly List<RelayReceiver> receivers = [];
    private Process? node;

    private OriginalScriptRun(string folder, Process holder, int pid)
    {
        this.folder = folder;
        this.holder = holder;
        this.pid = pid;
    }

    /// <summary>The copied scripts, modules and licences (Original/testdata in the build output).</summary>
    public static string Data { get; } = Path.Combine(AppContext.BaseDirectory, "Original", "testdata");

    /// <summary><c>-p</c> as the author would give it: the test's own modules, then the original's modules and LPeg-Parsers.</summary>
    public static string LuaPath { get; } = $"{Modules}/?.lua;{Data}/modules/?.lua;{Data}/lpeg-parsers/?.lua";

    /// <summary>Why such a run cannot be had here (not root, no unshare), or null when it can.</summary>
    public static string? Unavailable { get; } = Probe();

    /// <summary>The node's standard output (the script's own) and error (the node's diagnostics).</summary>
    public OutputLines Output { get; } = new();

    public int NodePid => node?.Id ?? throw new InvalidOperationException("the node is not started");

    /// <summary>Sets up the namespaces; the node is started by <see cref="StartNodeAsync"/>, after the receivers.</summary>
    public static async Task<OriginalScriptRun> CreateAsync(OriginalScriptSetup setup)
    {
        var folder = TempFolder.Create();
        var standIns = StandIn.Defaults.Where(d => setup.StandIns.All(s => s.Name != d.Name)).Concat(setup.StandIns).ToList();
        Directory.CreateDirectory(Path.Combine(folder, "stand-ins"));
        Directory.CreateDirectory(Path.Combine(folder, "lua"));
        foreach (var standIn in standIns)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "stand-ins", standIn.Name), standIn.Script(Records));
        }

        foreach (var (name, source) in setup.LuaModules)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "lua", name), source);
        }

        var hosts = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost\n");
        foreach (var (name, address) in setup.Hosts)
        {
            hosts.Append($"{address}\t{name}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "hosts"), hosts.ToString());
        await File.WriteAllTextAsync(Path.Combine(folder, "setup.sh"), SetupScript(folder, standIns, setup.Addresses));

        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--mount", "--net", "--uts", "--fork", "--kill-child", "sh", Path.Combine(folder, "setup.sh") })
        {
            start.ArgumentList.Add(argument);
        }

        var holder = Process.Start(start)!;
        var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            var error = await holder.StandardError.ReadToEndAsync();
            TempFolder.Delete(folder);
            throw new InvalidOperationException($"the namespace setup failed: {line} {error}");
        }

        return new OriginalScriptRun(folder, holder, int.Parse(line["ready ".Length..]));
    }

    /// <summary>A UDP receiver on <paramref name="address"/>:514 inside the namespace (start it before the node: scripts relay at load).</summary>
    public RelayReceiver Receive(string address)
    {
        var receiver = RelayReceiver.Create(pid, IPAddress.Parse(address));
        receivers.Add(receiver);
        return receiver;
    }

    /// <summary>
    /// Starts the node inside the namespace with the original's command line (<paramref name="arguments"/>, e.g.
    /// <c>-f -i 127.0.0.1 -s <see cref="Socket"/> -p <see cref="LuaPath"/> script.lua</c>; a script named without a
    /// folder is taken from <see cref="Data"/>), the stand-ins first on PATH, and waits until each <c>-s</c> socket and
    /// <c>-i</c>/<c>-4</c> UDP port is bound.
    /// </summary>
    public async Task StartNodeAsync(params string[] arguments)
    {
        var last = arguments[^1];
        var command = arguments[..^1].Append(last.Contains('/') ? last : Path.Combine(Data, last)).ToArray();
        node = NodeExecutable.StartVia(Inside("env", $"PATH={Run}/bin:{Environment.GetEnvironmentVariable("PATH")}"), folder, Output, command);
        var sockets = ValuesOf(arguments, "-s").ToList();
        var udp = ValuesOf(arguments, "-i").Concat(arguments.Contains("-4") ? ["0.0.0.0"] : []).Select(UdpLocalAddress).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!sockets.All(s => File.Exists(InNamespace(s))) || !udp.All(IsBound))
        {
            Assert.False(node.HasExited, $"the node exited ({(node.HasExited ? node.ExitCode : 0)}) before listening:\n{Output.All}");
            Assert.True(DateTime.UtcNow < deadline, $"the node did not bind {string.Join(' ', sockets)} {string.Join(' ', udp)}:\n{Output.All}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// One datagram from <paramref name="source"/> (an address in <see cref="OriginalScriptSetup.Addresses"/>) to
    /// <paramref name="node"/>:514: a device that <c>logger</c> cannot imitate, such as a router a script knows by its address.
    /// </summary>
    public void SendFrom(string source, string node, string datagram) => NetworkNamespace.Inside(pid, () =>
    {
        using var socket = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        return socket.SendTo(Encoding.UTF8.GetBytes(datagram), new IPEndPoint(IPAddress.Parse(node), 514));
    });

    /// <summary>Runs <c>logger</c> inside the namespace (UDP to the node's address, or <c>-u</c> <see cref="Socket"/>).</summary>
    public Task LoggerAsync(params string[] arguments) => Logger.RunViaAsync(Inside(), arguments);

    public void Signal(int signal) => Assert.Equal(0, kill(NodePid, signal));

    /// <summary>SIGTERM, as an init script stops the daemon; returns the exit code (the script's <c>cleanup()</c> ran first).</summary>
    public async Task<int> StopAsync()
    {
        Signal(15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await node!.WaitForExitAsync(timeout.Token);
        return node.ExitCode;
    }

    /// <summary>SIGTERM, and the node must exit 0 (drained, stopped on request); the node's output says why when not.</summary>
    public async Task StopCleanlyAsync()
    {
        var code = await StopAsync();
        Assert.True(code == 0, $"the node exited {code} on SIGTERM:\n{Output.All}");
    }

    /// <summary>A file as the script sees it inside the namespace, or null when there is none.</summary>
    public string? ReadFile(string path) => File.Exists(InNamespace(path)) ? File.ReadAllText(InNamespace(path)) : null;

    /// <summary>Moves <paramref name="path"/> to <c>path.1</c>, as logrotate does before it sends SIGHUP.</summary>
    public void Rotate(string path) => File.Move(InNamespace(path), InNamespace(path + ".1"));

    /// <summary>Waits (bounded) until the script has created <paramref name="path"/> (e.g. reopened it on SIGHUP).</summary>
    public Task WaitForFileAsync(string path) => WaitForLinesAsync(path, _ => ReadFile(path) is not null, "not created");

    /// <summary>Lines of a file the script writes, waiting (bounded) until <paramref name="done"/> holds for them.</summary>
    public async Task<string[]> WaitForLinesAsync(string path, Func<string[], bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var lines = (ReadFile(path) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (done(lines))
            {
                return lines;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path}: {what}; it holds:\n{string.Join('\n', lines)}\nnode:\n{Output.All}");
            await Task.Delay(50);
        }
    }

    /// <summary>Every recorded run of the stand-in <paramref name="name"/>, oldest first.</summary>
    public IReadOnlyList<Invocation> Invocations(string name)
    {
        var records = InNamespace(Records);
        return [.. Directory.GetFiles(records, name + ".*.argv").Order(StringComparer.Ordinal).Select(argv => new Invocation(
            File.ReadAllText(argv).Split('\0')[..^1],
            File.ReadAllText(argv[..^".argv".Length] + ".stdin")))];
    }

    /// <summary>Waits (bounded) until the stand-in <paramref name="name"/> has run <paramref name="count"/> times.</summary>
    public async Task<IReadOnlyList<Invocation>> WaitForInvocationsAsync(string name, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Invocations(name).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} ran {Invocations(name).Count} times, not {count}:\n{Output.All}");
            await Task.Delay(50);
        }

        return Invocations(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (node is { HasExited: false })
        {
            node.Kill();
            await node.WaitForExitAsync();
        }

        foreach (var receiver in receivers)
        {
            receiver.Dispose();
        }

        kill(pid, SigKill);
        await holder.WaitForExitAsync();
        holder.Dispose();
        node?.Dispose();
        TempFolder.Delete(folder);
    }

    /// <summary>A path inside the namespace, as this process reaches it (through the namespace's root).</summary>
    private string InNamespace(string path) => $"/proc/{pid}/root{path}";

    private string[] Inside(params string[] then) => ["nsenter", $"--target={pid}", "--mount", "--net", "--uts", $"--wdns={Run}", "--", .. then];

    private static IEnumerable<string> ValuesOf(string[] arguments, string option) =>
        arguments.Zip(arguments.Skip(1)).Where(p => p.First == option).Select(p => p.Second);

    /// <summary>An IPv4 address and port 514 as <c>/proc/net/udp</c> writes them (hex, the address's bytes reversed).</summary>
    private static string UdpLocalAddress(string address) =>
        string.Concat(IPAddress.Parse(address).GetAddressBytes().Reverse().Select(b => b.ToString("X2"))) + ":0202";

    private bool IsBound(string local) =>
        File.ReadLines($"/proc/{node!.Id}/net/udp").Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == local);

    private static string SetupScript(string folder, IReadOnlyList<StandIn> standIns, IReadOnlyList<string> addresses)
    {
        var script = new StringBuilder($$"""
            set -eu
            mount --make-rprivate /
            echo client > /proc/sys/kernel/hostname
            ip link set lo up
            ip link set lo multicast on
            # Multicast relays (using.lua's 232.0.0.1) go out on lo and come back to a member here, never further.
            ip route add 224.0.0.0/4 dev lo

            """);
        foreach (var address in addresses)
        {
            script.Append($"ip addr add {address}/32 dev lo\n");
        }

        script.Append($$"""
            mount -t tmpfs -o size=64m original-var-log /var/log
            mount -t tmpfs -o size=64m original-run /run
            mkdir -p {{Records}} {{Run}}/bin {{Modules}}
            cp {{folder}}/lua/. -r {{Modules}}/
            # Overlays (upper layers on the tmpfs): stand-ins at the absolute paths the scripts use, a hosts file of our
            # own, and none of it visible outside.
            for dir in /etc /usr/sbin /usr/bin; do
              mkdir -p {{Run}}/overlay$dir/upper {{Run}}/overlay$dir/work
              mount -t overlay overlay -o lowerdir=$dir,upperdir={{Run}}/overlay$dir/upper,workdir={{Run}}/overlay$dir/work $dir
            done
            cp {{folder}}/hosts /etc/hosts
            mkdir -p /etc/init.d

            """);
        foreach (var standIn in standIns)
        {
            var target = standIn.OnPath ? $"{Run}/bin/{standIn.Path}" : standIn.Path;
            script.Append($"install -m 755 {folder}/stand-ins/{standIn.Name} {target}\n");
        }

        var build = AppContext.BaseDirectory.TrimEnd('/');
        script.Append($$$"""
            # The build (the node, the scripts) stays visible when the checkout is under /tmp, as a CI clone may be.
            case "{{{build}}}/" in /tmp/*) mkdir -p {{{Run}}}/build && mount --bind "{{{build}}}" {{{Run}}}/build && keep=1 ;; esac
            mount -t tmpfs -o size=64m original-tmp /tmp
            if [ -n "${keep:-}" ]; then mkdir -p "{{{build}}}" && mount --bind {{{Run}}}/build "{{{build}}}"; fi
            echo "ready $$"
            exec sleep infinity

            """);
        return script.ToString();
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux for a private mount and network namespace";
        }

        using var probe = Process.Start(new ProcessStartInfo("unshare", "--mount --net --uts true") { RedirectStandardError = true })!;
        var error = probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0 ? null : $"unshare --mount --net --uts failed: {error}";
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

/// <summary>A fact skipped, with the reason, where <see cref="OriginalScriptRun"/> cannot set up its namespaces.</summary>
public sealed class OriginalScriptFactAttribute : FactAttribute
{
    public OriginalScriptFactAttribute()
    {
        if (OriginalScriptRun.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>The original's scripts run one at a time: each is a whole node plus logger processes, on a small machine.</summary>
[CollectionDefinition(Name)]
public sealed class OriginalScriptsCollection
{
    public const string Name = "the original's scripts";
}
