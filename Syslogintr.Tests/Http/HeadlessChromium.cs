using System.Diagnostics;
using System.Globalization;

namespace Syslogintr.Tests.Http;

/// <summary>
/// Debian's <c>chromium</c>, headless: a page as a browser shows it once its script has run. Each run has a profile
/// of its own in a temporary folder and a deadline, after which chromium and its children are killed.
/// </summary>
internal static class HeadlessChromium
{
    public const string Program = "/usr/bin/chromium";

    /// <summary>A run takes 2–3 s here; the rest is room for a loaded machine.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Virtual time the page gets: chromium runs its timers up to this, waiting for its network requests (the
    /// page's one fetch), then stops; shorter than the page's refresh, so the DOM is that of the first answer.
    /// </summary>
    private const int VirtualTimeBudgetMs = 3000;

    /// <summary>The page's DOM after its script ran, serialised.</summary>
    public static Task<string> DumpDomAsync(Uri page, int width, int height) => RunAsync(page, width, height, "--dump-dom");

    /// <summary>A PNG of the window's <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static Task ScreenshotAsync(Uri page, string file, int width, int height) => RunAsync(page, width, height, $"--screenshot={file}");

    private static async Task<string> RunAsync(Uri page, int width, int height, string what)
    {
        // Not a skip: a CI host without a browser would pass this test without ever opening the page.
        Assert.True(File.Exists(Program), $"{Program} not found: install chromium (Debian: apt-get install chromium) to test the status page in a real browser");
        var profile = Directory.CreateTempSubdirectory("syslogintr-chromium-");
        try
        {
            var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                $"--user-data-dir={profile.FullName}",
                string.Create(CultureInfo.InvariantCulture, $"--window-size={width},{height}"),
                string.Create(CultureInfo.InvariantCulture, $"--virtual-time-budget={VirtualTimeBudgetMs}"),
                what,
                page.ToString(),
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var chromium = Process.Start(start)!;
            var output = chromium.StandardOutput.ReadToEndAsync();
            var errors = chromium.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(Deadline);
            try
            {
                await chromium.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                chromium.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish {what} within {Deadline.TotalSeconds} s: {await errors}");
            }

            Assert.True(chromium.ExitCode == 0, $"chromium exited with {chromium.ExitCode}: {await errors}");
            return await output;
        }
        finally
        {
            DeleteProfile(profile);
        }
    }

    /// <summary>Best effort: a helper process of chromium's may still be closing a file in it.</summary>
    private static void DeleteProfile(DirectoryInfo profile)
    {
        try
        {
            profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary folder.
        }
    }
}
