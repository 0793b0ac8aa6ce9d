using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Docs;

/// <summary>
/// The README's "Licence" section: the project's licence text is in LICENSE, and each test-data folder's licence is
/// stated in the file the section names, as the section says.
/// </summary>
public sealed class LicenceTests
{
    [Fact]
    public void The_project_is_under_the_full_gpl_3_text()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "LICENSE"));
        Assert.StartsWith("                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007", text, StringComparison.Ordinal);
        Assert.Contains("END OF TERMS AND CONDITIONS", text, StringComparison.Ordinal);
        Assert.Contains("How to Apply These Terms to Your New Programs", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Syslogintr.Tests/Original/testdata/LICENSE", "GNU GENERAL PUBLIC LICENSE\n                       Version 3")]
    [InlineData("Syslogintr.Tests/Original/testdata/SOURCE.md", "GPL-3.0")]
    [InlineData("Syslogintr.Tests/Original/testdata/brevard.lua", "either version 3 of the License, or\n-- (at your option) any later version.")]
    [InlineData("Syslogintr.Tests/Original/testdata/lpeg-parsers/LICENSE", "GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3")]
    [InlineData("Syslogintr.Tests/Original/testdata/lpeg-parsers/org/conman/parsers/ip-text.lua", "either version 3 of the License, or (at your\n-- option) any later version.")]
    [InlineData("Syslogintr.Tests/Rules/fail2ban-sshd/README.md", "GPL-2.0-or-later")]
    public void Each_test_data_folder_states_its_licence_where_the_readme_says(string file, string statement)
    {
        Assert.Contains(statement, File.ReadAllText(Path.Combine(Repository.Root, file)).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var section = readme[readme.IndexOf("\n## Licence\n", StringComparison.Ordinal)..];
        Assert.Contains($"`{Path.GetDirectoryName(file)!.Split("/lpeg-parsers")[0]}/`", section, StringComparison.Ordinal);
    }
}
