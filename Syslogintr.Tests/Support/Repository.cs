namespace Syslogintr.Tests.Support;

/// <summary>The repository's checkout, found above the test binary (its shipped files: hocon/, deploy/, rules/).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Syslogintr.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root is not above the test binary");
    }
}
