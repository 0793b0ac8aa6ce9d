using System.Net;
using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Http;

/// <summary>
/// The <c>syslogintr.http</c> section: where the status endpoint listens (loopback unless the operator writes
/// another address) and the optional basic-auth user, whose password comes from <c>password-env</c> or
/// <c>password-file</c>, never from the HOCON.
/// </summary>
public sealed record HttpSettings(bool Enabled, IPEndPoint Bind, string? User, string? Password)
{
    private const string Section = "syslogintr.http";

    public static HttpSettings From(SettingsReader settings)
    {
        var http = settings.Section(Section);
        var enabled = http.Bool("enabled");
        var bindText = http.String("bind");
        // Port 0 (a free port, chosen at bind) is for tests; the address is the operator's, so never widened here.
        if (!IPEndPoint.TryParse(bindText, out var bind))
        {
            throw new SettingsException($"{Section}.bind", bindText, $"'{Section}.bind' must be ADDRESS:PORT (e.g. \"127.0.0.1:9514\"), not '{bindText}'");
        }

        var user = http.Optional("user");
        string? password;
        try
        {
            password = enabled ? http.Secret(Section) : null;
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }

        if (enabled && (user is null) != (password is null))
        {
            throw new StartupException($"{Section}: basic auth needs both 'user' and a password ('password-env' or 'password-file'), or neither");
        }

        return new HttpSettings(enabled, bind, user, password);
    }
}
