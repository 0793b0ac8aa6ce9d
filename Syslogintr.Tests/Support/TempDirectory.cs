using Syslogintr.Tests.Support;

// In the root test namespace so every test namespace sees it without a using.
namespace Syslogintr.Tests;

/// <summary>A <see cref="TempFolder"/> owned by a test class or a <c>using</c>: deleted at dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = TempFolder.Create();

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => TempFolder.Delete(Path);
}
