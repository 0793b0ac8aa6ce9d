namespace Syslogintr.Http;

/// <summary>The status page: one self-contained HTML file (no external assets: it must work on an air-gapped host) that renders <c>api/status</c>.</summary>
internal static class StatusPage
{
    public static readonly string Html = Load();

    private static string Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("Syslogintr.Http.status.html")
            ?? throw new InvalidOperationException("the status page is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
