using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Petstore.Component;

/// <summary>Adds the Petstore component to a host.</summary>
public static class PetstoreBuilderExtensions
{
    /// <summary>Adds the Petstore component, its HTTP client and its options.</summary>
    public static IWebhookFlowsBuilder AddPetstore(this IWebhookFlowsBuilder builder, Action<PetstoreOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<PetstoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddHttpClient(PetstoreClient.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.TryAddSingleton<PetstoreClient>();
        return builder.AddComponent<PetstoreComponent>();
    }
}
