using Microsoft.Extensions.DependencyInjection;

namespace Flows.Sdk.DependencyInjection;

/// <summary>Configures the webhook flows engine: components, stores, mapping engine. Returned by <c>AddWebhookFlows()</c>.</summary>
public interface IWebhookFlowsBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }
}
