using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds webhook flows to a generic-host app.</summary>
public static class WebhookFlowsHostingExtensions
{
    /// <summary>
    /// Registers the webhook flows engine and the hosted workers that run accepted messages.
    /// Calling it twice is harmless. Returns the builder on which components and stores are added.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the default <see cref="WebhookFlowsOptions"/>, or <see langword="null"/>.</param>
    public static IWebhookFlowsBuilder AddWebhookFlows(this IServiceCollection services, Action<WebhookFlowsOptions>? configure = null)
    {
        var builder = services.AddWebhookFlowsCore(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FlowWorkerHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RunLogRetentionService>());
        return builder;
    }
}
