using System.Diagnostics;
using MimeKit;

namespace Syslogintr.Alerts.Mail;

/// <summary>
/// Pipes the mail into a local MTA's <c>sendmail -t -i</c> (argv, no shell): the very call that froze the original.
/// Here it runs in the mailer actor, asynchronously, under a hard deadline after which the process tree is killed;
/// the MTA may log into our /dev/log as much as it likes, our listeners keep reading.
/// </summary>
public sealed class SendmailTransport(IReadOnlyList<string> argv) : IMailTransport
{
    /// <summary>sysexits.h codes that mean the mail itself is bad (EX_DATAERR, EX_NOUSER, EX_NOHOST).</summary>
    private static readonly int[] PermanentExitCodes = [65, 67, 68];

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new IOException($"cannot start {argv[0]}");
        try
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await message.WriteToAsync(process.StandardInput.BaseStream, cancellationToken);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            var said = ((await stderr).Trim() + " " + (await stdout).Trim()).Trim();
            if (process.ExitCode == 0)
            {
                return;
            }

            var reason = $"{argv[0]} exited {process.ExitCode}" + (said.Length == 0 ? "" : $": {said}");
            throw PermanentExitCodes.Contains(process.ExitCode) ? new PermanentMailFailure(reason) : new IOException(reason);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && !process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    public Task<bool> KeepAliveAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public void Abort()
    {
        // Each send owns its process and kills it at cancellation; nothing is shared between sends.
    }

    public void Dispose()
    {
    }
}
