using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Syslogintr.Http;

/// <summary>
/// HTTP basic authentication (RFC 7617) for every path, when <c>syslogintr.http.user</c> is set: the status shows
/// addresses, bans and alert texts, and the endpoint may be opened beyond loopback.
/// </summary>
internal static class BasicAuth
{
    public static Func<HttpContext, RequestDelegate, Task> Require(string user, string password)
    {
        var expected = Encoding.UTF8.GetBytes($"{user}:{password}");
        return async (context, next) =>
        {
            if (Presented(context.Request) is { } credentials && CryptographicOperations.FixedTimeEquals(credentials, expected))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"syslogintr\", charset=\"UTF-8\"";
        };
    }

    /// <summary>The decoded <c>user:password</c> bytes of an <c>Authorization: Basic</c> header, or null.</summary>
    private static byte[]? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(header[scheme.Length..].Trim());
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
