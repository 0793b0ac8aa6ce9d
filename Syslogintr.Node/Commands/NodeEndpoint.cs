using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Http;

namespace Syslogintr.Node.Commands;

/// <summary>
/// Where <c>stats</c> and <c>tail</c> find a running node's HTTP endpoint: <c>--url</c>, or <c>syslogintr.http</c>
/// of the configuration (its bind address, a wildcard one asked on loopback); the basic-auth credentials from the
/// URL's <c>user:password@</c>, else the configuration's user and its password-env/password-file.
/// </summary>
internal sealed record NodeEndpoint(Uri Url, AuthenticationHeaderValue? Authorization)
{
    /// <summary>The endpoint, or null after one line on stderr (a configuration that cannot be read, the endpoint disabled, a bad URL).</summary>
    public static NodeEndpoint? Resolve(string? url, string? configFile)
    {
        HttpSettings settings;
        try
        {
            settings = HttpSettings.From(new SettingsReader(NodeConfig.Load(configFile)));
        }
        catch (Exception e) when (e is FileNotFoundException or ConfigurationException or SettingsException or StartupException)
        {
            Console.Error.WriteLine($"syslogintr: {e.Message}");
            return null;
        }

        var configured = settings.User is { } user ? Basic($"{user}:{settings.Password}") : null;
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine($"syslogintr: --url '{url}' is not an http:// URL");
                return null;
            }

            var credentials = uri.UserInfo.Length > 0 ? Basic(Uri.UnescapeDataString(uri.UserInfo)) : configured;
            return new NodeEndpoint(new UriBuilder(uri) { UserName = "", Password = "", Path = "/" }.Uri, credentials);
        }

        if (!settings.Enabled)
        {
            Console.Error.WriteLine($"syslogintr: the HTTP endpoint is disabled in {configFile ?? "the embedded defaults"} (syslogintr.http.enabled = false): there is nothing to ask");
            return null;
        }

        var address = settings.Bind.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : settings.Bind.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : settings.Bind.Address;
        return new NodeEndpoint(new Uri($"http://{new IPEndPoint(address, settings.Bind.Port)}/"), configured);
    }

    /// <summary>A client for this endpoint; <paramref name="timeout"/> bounds a whole exchange (infinite for a stream).</summary>
    public HttpClient Client(TimeSpan timeout)
    {
        var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { BaseAddress = Url, Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = Authorization;
        return client;
    }

    /// <summary>One line for stderr when the node answered other than 200.</summary>
    public async Task<string> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return $"the node at {Url} refused {(Authorization is null ? "to answer without credentials" : "the credentials")} (401): give --config with its syslogintr.http user and password";
        }

        var body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        var first = body.Split('\n', 2)[0];
        return $"the node at {Url} answered {(int)response.StatusCode} {response.ReasonPhrase}{(first.Length > 0 ? ": " + first : "")}";
    }

    private static AuthenticationHeaderValue Basic(string credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
}
