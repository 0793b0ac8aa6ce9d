using System.Globalization;
using System.Text.RegularExpressions;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Systemd;

/// <summary>
/// deploy/install.sh and uninstall.sh run as an operator runs them, into a root of their own (<c>--root</c>, as a
/// package's staging root): twice to see it is idempotent, with an edited config that must survive. Needs root
/// (useradd --root, chown), as the scripts do.
/// </summary>
public sealed class InstallScriptTests
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy");

    [Fact]
    public async Task Installing_twice_changes_nothing_keeps_an_edited_config_and_upgrades_an_unedited_one_and_uninstall_keeps_the_config()
    {
        var root = TempFolder.Create();
        try
        {
            var build = MakeBuild(root);
            MakeSystemFiles(root);
            var shippedConfig = await File.ReadAllTextAsync(Path.Combine(Deploy, "syslogintr.conf"));
            var config = Path.Combine(root, "etc/syslogintr/syslogintr.conf");

            var (exitCode, output) = await InstallAsync(root, build);
            Assert.True(exitCode == 0, output);
            Assert.True(File.Exists(Path.Combine(root, "opt/syslogintr/syslogintr")), output);
            Assert.True(File.Exists(Path.Combine(root, "opt/syslogintr/README.md")));
            Assert.Equal(shippedConfig, await File.ReadAllTextAsync(config));
            Assert.True(File.Exists(Path.Combine(root, "etc/syslogintr/rules/lib/org/flummux/tty.lua")));
            Assert.True(File.Exists(Path.Combine(root, "etc/systemd/system/syslogintr.service")));
            Assert.True(File.Exists(Path.Combine(root, "etc/systemd/system/syslogintr.socket")));
            Assert.True(RmemMax(root) >= DefaultReceiveBuffer(), "the sysctl file lets the unprivileged service have the default receive buffer");
            var uid = UserId(root);
            Assert.Equal(uid, await OwnerAsync(Path.Combine(root, "var/lib/syslogintr")));
            Assert.Equal(uid, await OwnerAsync(Path.Combine(root, "var/log/syslogintr")));

            // The operator edits the config; a rule is still as an older release shipped it (equal to its .dist).
            await File.AppendAllTextAsync(config, "syslogintr.hostname = \"edited\"\n");
            var rule = Path.Combine(root, "etc/syslogintr/rules/minsys.lua");
            await File.WriteAllTextAsync(rule, "-- an older release\n");
            await File.WriteAllTextAsync(rule + ".dist", "-- an older release\n");

            (exitCode, output) = await InstallAsync(root, build);
            Assert.True(exitCode == 0, output);
            Assert.Contains($"kept your edited {config}; the shipped version is {config}.dist", output);
            Assert.EndsWith("syslogintr.hostname = \"edited\"\n", await File.ReadAllTextAsync(config));
            Assert.Equal(shippedConfig, await File.ReadAllTextAsync(config + ".dist"));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "rules/minsys.lua")), await File.ReadAllTextAsync(rule));
            Assert.Single(File.ReadLines(Path.Combine(root, "etc/passwd")), l => l.StartsWith("syslogintr:", StringComparison.Ordinal));
            Assert.Equal(uid, UserId(root));
            Assert.False(Directory.Exists(Path.Combine(root, "opt/syslogintr.new")) || Directory.Exists(Path.Combine(root, "opt/syslogintr.old")));

            (exitCode, output) = await DeployUnitsTests.RunAsync("sh", Path.Combine(Deploy, "uninstall.sh"), "--root", root);
            Assert.True(exitCode == 0, output);
            Assert.False(Directory.Exists(Path.Combine(root, "opt/syslogintr")));
            Assert.False(File.Exists(Path.Combine(root, "etc/systemd/system/syslogintr.service")));
            Assert.False(File.Exists(Path.Combine(root, SysctlFile)) || File.Exists(Path.Combine(root, SysctlFile + ".dist")));
            Assert.EndsWith("syslogintr.hostname = \"edited\"\n", await File.ReadAllTextAsync(config));

            (exitCode, output) = await DeployUnitsTests.RunAsync("sh", Path.Combine(Deploy, "uninstall.sh"), "--root", root, "--purge");
            Assert.True(exitCode == 0, output);
            Assert.False(Directory.Exists(Path.Combine(root, "etc/syslogintr")));
            Assert.DoesNotContain(File.ReadLines(Path.Combine(root, "etc/passwd")), l => l.StartsWith("syslogintr:", StringComparison.Ordinal));
        }
        finally
        {
            TempFolder.Delete(root);
        }
    }

    private static Task<(int ExitCode, string Output)> InstallAsync(string root, string build) =>
        DeployUnitsTests.RunAsync("sh", Path.Combine(Deploy, "install.sh"), "--root", root, "--from", build);

    /// <summary>What a publish leaves, in small: the executable and its assembly from the test build.</summary>
    private static string MakeBuild(string root)
    {
        var build = Path.Combine(root, "build");
        Directory.CreateDirectory(build);
        foreach (var file in new[] { "syslogintr", "syslogintr.dll" })
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, file), Path.Combine(build, file));
        }

        return build;
    }

    /// <summary>The account files useradd --root edits, holding root alone.</summary>
    private const string SysctlFile = "etc/sysctl.d/60-syslogintr.conf";

    /// <summary>net.core.rmem_max as the installed sysctl file sets it.</summary>
    private static long RmemMax(string root) =>
        long.Parse(File.ReadLines(Path.Combine(root, SysctlFile)).Single(l => l.StartsWith("net.core.rmem_max", StringComparison.Ordinal)).Split('=')[1].Trim(), CultureInfo.InvariantCulture);

    /// <summary>The listeners' default receive-buffer (listener-defaults in hocon/syslogintr.conf), in bytes.</summary>
    private static long DefaultReceiveBuffer()
    {
        var setting = Regex.Match(File.ReadAllText(Path.Combine(Repository.Root, "hocon/syslogintr.conf")), @"^\s*receive-buffer = (\d+)MiB", RegexOptions.Multiline);
        Assert.True(setting.Success, "listener-defaults.receive-buffer in MiB");
        return long.Parse(setting.Groups[1].Value, CultureInfo.InvariantCulture) << 20;
    }

    private static void MakeSystemFiles(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        foreach (var file in new[] { "passwd", "group", "shadow", "gshadow" })
        {
            var rootLine = File.ReadLines(Path.Combine("/etc", file)).First(l => l.StartsWith("root:", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(root, "etc", file), rootLine + "\n");
        }
    }

    private static string UserId(string root) =>
        File.ReadLines(Path.Combine(root, "etc/passwd")).Single(l => l.StartsWith("syslogintr:", StringComparison.Ordinal)).Split(':')[2];

    private static async Task<string> OwnerAsync(string path)
    {
        var (exitCode, output) = await DeployUnitsTests.RunAsync("stat", "-c", "%u", path);
        Assert.Equal(0, exitCode);
        return output.Trim();
    }
}
