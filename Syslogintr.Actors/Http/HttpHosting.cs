using Microsoft.Extensions.DependencyInjection;
using Syslogintr.Hosting;

namespace Syslogintr.Http;

public static class HttpHosting
{
    /// <summary>
    /// Reads <c>syslogintr.http</c> (a mistake stops the node at start) and adds the endpoint as a hosted service.
    /// Call it after the actor system is added: hosted services start in order, and the endpoint asks the stages.
    /// </summary>
    public static IServiceCollection AddHttpEndpoint(this IServiceCollection services, SettingsReader settings, NodeServices node)
    {
        var http = HttpSettings.From(settings);
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<HttpEndpoint>(sp, http, node));
        services.AddHostedService(sp => sp.GetRequiredService<HttpEndpoint>());
        return services;
    }
}
