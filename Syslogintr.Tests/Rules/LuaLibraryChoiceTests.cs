using System.Diagnostics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// SYSLOGINTR_LUA_LIBRARY picks the process's one Lua library, so each case runs the real node in a process of its
/// own: under KeraLua's bundled Lua, a trusted script's io.popen fails naming the fix; a library that is not there
/// stops the node with the reason, not a stack trace.
/// </summary>
public sealed class LuaLibraryChoiceTests
{
    [Theory]
    [InlineData("bundled", "local p = io.popen('true')", "install Debian's liblua5.4-0")]
    [InlineData("/nonexistent/liblua.so", "", "SYSLOGINTR_LUA_LIBRARY=/nonexistent/liblua.so: /nonexistent/liblua.so: cannot open shared object file")]
    public async Task A_trusted_script_is_told_what_its_lua_library_lacks(string library, string topLevel, string error)
    {
        var folder = TempFolder.Create();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "broken.lua"), topLevel + "\nfunction log(m) end\n");
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners { udp.enabled = false, tcp.enabled = false, local.path = "{{folder}}/log" }
                  rules.broken { script = "broken.lua", trusted = true }
                }
                """);

            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "syslogintr.dll"), "run", "--config", config })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["SYSLOGINTR_LUA_LIBRARY"] = library;
            using var node = Process.Start(start)!;
            var output = node.StandardOutput.ReadToEndAsync();
            var errors = node.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await node.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
                Assert.Fail("the node started instead of refusing the rule");
            }


            Assert.Equal(1, node.ExitCode);
            var line = Assert.Single((await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("syslogintr: rule 'broken': ", line);
            Assert.Contains(error, line);
            Assert.DoesNotContain("   at ", await output);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task The_node_logs_the_library_it_loaded_debians_when_installed()
    {
        var folder = TempFolder.Create();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "good.lua"), "function log(m) end\n");
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners { udp.enabled = false, tcp.enabled = false, local.path = "{{folder}}/log" }
                  rules.good.script = "good.lua"
                }
                """);

            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            try
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!output.All.Contains("rules run on the Lua library", StringComparison.Ordinal) && !node.HasExited && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                // The tests run where liblua5.4-0 is installed (.ci/run installs it).
                Assert.Matches(@"rules run on the Lua library /\S*/liblua5\.4\.so\.0 \(Debian's liblua5\.4-0", output.All);
            }
            finally
            {
                node.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
