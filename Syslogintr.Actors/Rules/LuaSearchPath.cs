namespace Syslogintr.Rules;

/// <summary>
/// Where a rule's <c>require</c> looks, in the original's order: what the user names comes first and our shipped
/// modules (rules-path/lib) come last, so a user's own <c>deltatime.lua</c> or <c>sendmail.lua</c> is the one loaded.
/// </summary>
public static class LuaSearchPath
{
    /// <summary>
    /// A trusted rule's <c>package.path</c> and <c>package.cpath</c>: lua-path / lua-cpath (the original's -p / -c);
    /// <c>LUA_PATH_5_4</c> or <c>LUA_PATH</c> / <c>LUA_CPATH_5_4</c> or <c>LUA_CPATH</c>, as lua reads them; the
    /// script's folder; Lua's defaults (<paramref name="defaultPath"/>, <paramref name="defaultCPath"/>: the loaded
    /// library's own); the shipped modules (the last of <see cref="RuleDefinition.LibraryPaths"/>).
    /// </summary>
    /// <remarks>
    /// In lua, a ";;" in <c>LUA_PATH</c> stands for the defaults and a path without it leaves them out; here the
    /// defaults always follow, so empty entries are dropped and a <c>LUA_PATH</c> never hides them (nor our modules).
    /// </remarks>
    public static (string Path, string CPath) Trusted(RuleDefinition rule, Func<string, string?> environment, string defaultPath, string defaultCPath)
    {
        var folder = System.IO.Path.GetDirectoryName(rule.ScriptPath)!;
        var shipped = rule.LibraryPaths.Count > 0 ? Templates(rule.LibraryPaths[^1], "?.lua", "?/init.lua") : null;
        return (
            Join(rule.LuaPath, FromEnvironment(environment, "LUA_PATH"), Templates(folder, "?.lua", "?/init.lua"), defaultPath, shipped),
            Join(rule.LuaCPath, FromEnvironment(environment, "LUA_CPATH"), Templates(folder, "?.so"), defaultCPath));
    }

    /// <summary>A sandboxed rule's: Lua files in <see cref="RuleDefinition.LibraryPaths"/>, in order (the shipped modules last).</summary>
    public static string Sandboxed(RuleDefinition rule) => Join([.. rule.LibraryPaths.Select(p => Templates(p, "?.lua"))]);

    /// <summary>The versioned variable first, as lua: <c>LUA_PATH_5_4</c>, set even empty, wins over <c>LUA_PATH</c>.</summary>
    private static string? FromEnvironment(Func<string, string?> environment, string name) => environment(name + "_5_4") ?? environment(name);

    private static string Templates(string folder, params string[] patterns) =>
        string.Join(';', patterns.Select(p => System.IO.Path.Combine(folder, p)));

    private static string Join(params string?[] parts) =>
        string.Join(';', parts.SelectMany(p => (p ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)));
}
