namespace Syslogintr.Hosting.Reload;

/// <summary>
/// A reload read the configuration again and applied it: <paramref name="Changes"/> says what changed live (empty:
/// nothing in the live sections did), <paramref name="RestartNeeded"/> what the file changes that only a restart
/// applies. Published on the EventStream.
/// </summary>
public sealed record ConfigReloaded(IReadOnlyList<string> Changes, IReadOnlyList<string> RestartNeeded);

/// <summary>A reload found the configuration broken (<paramref name="Problems"/>, one line each) and changed nothing. Published on the EventStream.</summary>
public sealed record ConfigReloadRefused(IReadOnlyList<string> Problems);
