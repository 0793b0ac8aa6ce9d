namespace Syslogintr.Node;

/// <summary>Whether a pid is a syslogintr node, by its command line: the apphost <c>syslogintr</c>, or <c>dotnet syslogintr.dll</c>.</summary>
public static class NodeProcess
{
    public static bool IsNode(int pid)
    {
        string commandLine;
        try
        {
            commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var words = commandLine.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        return words.Take(2).Any(w => Path.GetFileName(w) is "syslogintr" or "syslogintr.dll");
    }
}
