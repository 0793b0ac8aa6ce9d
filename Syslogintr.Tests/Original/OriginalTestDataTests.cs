using System.Security.Cryptography;

namespace Syslogintr.Tests.Original;

/// <summary>The original's scripts and modules are the author's, byte for byte: a test may never "fix" one to make it run.</summary>
public sealed class OriginalTestDataTests
{
    [Fact]
    public void Every_copied_file_is_byte_identical_to_the_original()
    {
        // SHA256SUMS was written from the verbatim copies (SOURCE.md: spc476/syslogintr 29f1186, LPeg-Parsers f679549).
        var sums = File.ReadAllLines(Path.Combine(OriginalScriptRun.Data, "SHA256SUMS"))
            .Select(l => l.Split("  ", 2))
            .ToDictionary(p => p[1], p => p[0]);
        var files = Directory.GetFiles(OriginalScriptRun.Data, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(OriginalScriptRun.Data, f))
            .Where(f => f != "SHA256SUMS")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(sums.Keys.Order(StringComparer.Ordinal), files);
        Assert.All(files, f => Assert.Equal(sums[f], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(OriginalScriptRun.Data, f))))));
        Assert.Contains("brevard.lua", files);
        Assert.Contains("modules/ssh-iptables.lua", files);
    }
}
