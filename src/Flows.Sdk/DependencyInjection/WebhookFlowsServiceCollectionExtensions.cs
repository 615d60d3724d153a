using Flows.Sdk.Components;
using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Flows.Sdk.Samples;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

using Flows.Sdk.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the webhook flows engine.</summary>
public static class WebhookFlowsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine's core services: flow lifecycle, credentials, hook receiver, flow runner, in-memory stores and queue.
    /// It runs nothing by itself: hosts use <c>AddWebhookFlows()</c> from <c>Flows.Sdk.Hosting</c>, which adds the workers, or run
    /// <see cref="IFlowWorker"/> and <see cref="IRunLogPruner"/> themselves.
    /// Calling it twice is harmless.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the default <see cref="WebhookFlowsOptions"/>, or <see langword="null"/>.</param>
    public static IWebhookFlowsBuilder AddWebhookFlowsCore(this IServiceCollection services, Action<WebhookFlowsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WebhookFlowsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookFlowsOptions>, WebhookFlowsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<IFlowStore, InMemoryFlowStore>();
        services.TryAddSingleton<ICredentialStore, InMemoryCredentialStore>();
        services.TryAddSingleton<IExecutionStore, InMemoryExecutionStore>();
        services.TryAddSingleton<ISnapshotStore, InMemorySnapshotStore>();
        services.TryAddSingleton<IFlowQueue, InMemoryFlowQueue>();
        services.TryAddSingleton<IReplayStore, InMemoryReplayStore>();
        services.TryAddSingleton<IReplyChannel, InMemoryReplyChannel>();
        services.TryAddSingleton<IRefusedDeliveryStore, InMemoryRefusedDeliveryStore>();
        services.TryAddSingleton<RefusedDeliveryRecorder>();
        services.TryAddSingleton<IFlowStateFeed, InMemoryFlowStateFeed>();
        services.AddOptions<JsonataOptions>();
        // Flows.Sdk.Jsonata takes no Options dependency: the engine is built here from the configured JsonataOptions.
        services.TryAddSingleton<IMappingEngine>(sp => new JsonataMappingEngine(sp.GetRequiredService<IOptions<JsonataOptions>>().Value));

        services.AddOptions<SampleParseOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SampleParseOptions>, SampleParseOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleParser, JsonSampleParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleParser, XmlSampleParser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleParser, PropertyListSampleParser>());
        services.TryAddSingleton<SampleParserSelector>();
        services.TryAddSingleton<ISampleParserCatalog>(sp => sp.GetRequiredService<SampleParserSelector>());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponent, WebhookComponent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponent, ReplyComponent>());
        services.TryAddSingleton<ComponentRegistry>();
        services.TryAddSingleton<IComponentCatalog>(sp => sp.GetRequiredService<ComponentRegistry>());
        services.TryAddSingleton<CompiledFlowCache>();
        services.TryAddSingleton<FlowManager>();
        services.TryAddSingleton<IFlowManager>(sp => sp.GetRequiredService<FlowManager>());
        services.TryAddSingleton<CredentialManager>();
        services.TryAddSingleton<ICredentialManager>(sp => sp.GetRequiredService<CredentialManager>());
        services.TryAddSingleton<HookGuards>();
        services.TryAddSingleton<WebhookReceiver>();
        services.TryAddSingleton<IWebhookReceiver>(sp => sp.GetRequiredService<WebhookReceiver>());
        services.TryAddSingleton<FlowStops>();
        services.TryAddSingleton<StepInvoker>();
        services.TryAddSingleton<ReboundScheduler>();
        services.TryAddSingleton<FlowRunner>();
        services.TryAddSingleton<FlowWorker>();
        services.TryAddSingleton<IFlowWorker>(sp => sp.GetRequiredService<FlowWorker>());
        services.TryAddSingleton<RunLogPruner>();
        services.TryAddSingleton<IRunLogPruner>(sp => sp.GetRequiredService<RunLogPruner>());
        services.TryAddSingleton<IExecutionManager, ExecutionManager>();
        return new WebhookFlowsBuilder(services);
    }

    private sealed class WebhookFlowsBuilder(IServiceCollection services) : IWebhookFlowsBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
