using System.Diagnostics;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// rules/lib's Lua stand-ins for the original author's C modules: colortty (realtime.lua, realtimeraw.lua) and
/// org.flummux.tty (status.lua).
/// </summary>
public sealed class StandInModulesTests : IDisposable
{
    private static readonly string Lib = Path.Combine(RuleFolder.Shipped, "lib");

    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Colortty_cuts_at_the_terminal_width_without_counting_escape_sequences()
    {
        // $COLUMNS as the process has it (unset, in a test run, is 80): the module reads it with os.getenv.
        var width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 80;
        using var rule = LuaRule.Load(folder.Rule("t", """
            local colortty = require "colortty"
            function log(m) syslog("info", (colortty(m.msg):gsub("\27", "^"))) end
            """), effects, TimeProvider.System, "node1");

        string[] inputs =
        [
            "\e[1;31m" + new string('x', width + 20) + "\e[0m",
            "\e(B" + new string('y', width - 1) + "\e[0mz" + "tail",
            "\e[0;32mshort\nsecond line",
            "",
        ];
        foreach (var input in inputs)
        {
            Assert.Null(rule.Deliver(RuleFolder.Message(input)));
        }

        Assert.Equal(
            [
                "^[1;31m" + new string('x', width) + "\n",
                "^(B" + new string('y', width - 1) + "^[0mz\n",
                "^[0;32mshort\n",
                "\n",
            ],
            effects.Logged);
    }

    [Fact]
    public async Task Tty_writes_ansi_sequences_to_stdout_as_status_lua_uses_it()
    {
        // Run by Debian's lua5.4 (as the oracle tests): the module writes to the real stdout, which a rule in this test process shares.
        var start = new ProcessStartInfo("lua5.4") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[]
        {
            "-e", $"package.path = '{Lib}/?.lua'",
            "-e", """
                local tty = require "org.flummux.tty"
                tty.open() tty.clear_screen() tty.cursor_off()
                tty.move(11, 4) tty.write("\27[1;31m", "  emerg") tty.write(" 42")
                io.stdout:write("|", tostring(tty.readchar()), tostring(tty.readchar()))
                tty.close()
                """,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var lua = Process.Start(start)!;
        await lua.StandardInput.WriteAsync("q");
        lua.StandardInput.Close();
        var output = lua.StandardOutput.ReadToEndAsync();
        var errors = lua.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await lua.WaitForExitAsync(timeout.Token);
        Assert.True(lua.ExitCode == 0, $"lua5.4 failed: {await errors}");
        Assert.Equal("\e[2J\e[H\e[?25l\e[4;11H\e[1;31m  emerg 42|qnil\e[0m\e[?25h", await output);
    }
}
