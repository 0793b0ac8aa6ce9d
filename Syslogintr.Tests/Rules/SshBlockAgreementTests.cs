using System.Text.Json;
using System.Text.RegularExpressions;
using Syslogintr.Ingest;
using Syslogintr.Rules.Replay;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// Runs fail2ban's annotated sshd test log through sshblock.lua in the real rule host, each line read as
/// <c>syslogintr test-rule</c> reads it, and compares, line by line, what the rule reports (verbose = true: one
/// "Found HOST" per failure) with fail2ban's <c># failJSON:</c> annotations for the normal mode.
/// </summary>
public sealed partial class SshBlockAgreementTests(ITestOutputHelper output)
{
    /// <summary>
    /// Measured 63 of 68: the 5 lines missed are all lines test-rule's reader does not read as sshd's (an unpadded
    /// day, "[sshd]" in place of a tag, no host before the tag); the standalone harness that reads them too
    /// matched 68 of 68.
    /// </summary>
    private const int MinimumMatched = 63;

    [Fact]
    public void Agrees_with_fail2ban_on_its_sshd_test_log_in_normal_mode()
    {
        using var rule = new SshBlockRule("verbose = true, maxretry = 1000000");
        var reader = new LogLineReader(rule.Clock, Facility.AuthPriv, Severity.Informational, 2005);
        var (expected, matched, noMatchCases, falsePositives) = (0, 0, 0, 0);
        var normalMode = true;
        JsonElement? annotation = null;

        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Rules", "fail2ban-sshd", "sshd")))
        {
            if (line.StartsWith("# filterOptions:", StringComparison.Ordinal))
            {
                normalMode = IsNormalMode(line["# filterOptions:".Length..]);
                continue;
            }

            if (line.StartsWith("# failJSON:", StringComparison.Ordinal))
            {
                annotation = JsonDocument.Parse(line["# failJSON:".Length..]).RootElement;
                continue;
            }

            if (reader.Read(line) is not { } message)
            {
                continue;
            }

            var before = rule.Logged.Count;
            rule.Deliver(message);
            var found = rule.Logged.Skip(before).Select(text => FoundHost().Match(text).Groups[1].Value).FirstOrDefault();
            if (annotation is not { } expect || !normalMode || OnlyForOtherModes(expect))
            {
                annotation = null;
                continue;
            }

            annotation = null;
            if (expect.GetProperty("match").GetBoolean())
            {
                expected++;
                var host = expect.TryGetProperty("host", out var h) ? h.GetString() : null;
                if (found is not null && (host is null || host == found))
                {
                    matched++;
                }
                else
                {
                    output.WriteLine($"missed (expected {host ?? "a failure"}, found {found ?? "none"}): {line}");
                }
            }
            else
            {
                noMatchCases++;
                if (found is not null)
                {
                    falsePositives++;
                    output.WriteLine($"false positive {found}: {line}");
                }
            }
        }

        output.WriteLine($"sshblock agreement with fail2ban (normal mode): matched {matched}/{expected}, false positives {falsePositives}/{noMatchCases}");
        Assert.Empty(rule.Errors);
        Assert.True(matched >= MinimumMatched, $"matched {matched}/{expected}");
        Assert.Equal(0, falsePositives);
    }

    /// <summary>A block is for the normal mode when one of its option sets names no mode (or "normal").</summary>
    private static bool IsNormalMode(string json)
    {
        var options = JsonDocument.Parse(json).RootElement;
        var sets = options.ValueKind == JsonValueKind.Array ? options.EnumerateArray().ToList() : [options];
        return sets.Any(set => !set.TryGetProperty("mode", out var mode) || mode.GetString() == "normal");
    }

    private static bool OnlyForOtherModes(JsonElement annotation) =>
        annotation.TryGetProperty("constraint", out var constraint) && constraint.GetString()!.Contains("== 'aggressive'", StringComparison.Ordinal);

    [GeneratedRegex(@"^Found (\S+)")]
    private static partial Regex FoundHost();
}
