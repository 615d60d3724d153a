using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Flows.Sdk.Mapping;
using Flows.Sdk.Samples;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

using Flows.Sdk.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds components and swaps stores, queue and mapping engine.</summary>
public static class WebhookFlowsBuilderExtensions
{
    /// <summary>Adds a component. Its action classes are created per execution from the host's services.</summary>
    public static IWebhookFlowsBuilder AddComponent<TComponent>(this IWebhookFlowsBuilder builder)
        where TComponent : class, IComponent
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponent, TComponent>());
        return builder;
    }

    /// <summary>
    /// Adds every public, concrete <see cref="IComponent"/> class of <paramref name="assembly"/>. Their actions are found through
    /// their descriptors, as with <see cref="AddComponent{TComponent}"/>.
    /// </summary>
    public static IWebhookFlowsBuilder AddComponentsFromAssembly(this IWebhookFlowsBuilder builder, System.Reflection.Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetExportedTypes())
        {
            if (type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && typeof(IComponent).IsAssignableFrom(type))
            {
                builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IComponent), type));
            }
        }

        return builder;
    }

    /// <summary>
    /// Adds a sample format. A parser whose <see cref="ISampleParser.Format"/> is a built-in one (<c>json</c>, <c>xml</c>,
    /// <c>properties</c>) replaces it.
    /// </summary>
    public static IWebhookFlowsBuilder AddSampleParser<TParser>(this IWebhookFlowsBuilder builder)
        where TParser : class, ISampleParser
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ISampleParser, TParser>());
        return builder;
    }

    /// <summary>Uses <typeparamref name="TStore"/> to store flows.</summary>
    public static IWebhookFlowsBuilder UseFlowStore<TStore>(this IWebhookFlowsBuilder builder)
        where TStore : class, IFlowStore => builder.Replace<IFlowStore, TStore>();

    /// <summary>Uses <typeparamref name="TStore"/> to store credentials.</summary>
    public static IWebhookFlowsBuilder UseCredentialStore<TStore>(this IWebhookFlowsBuilder builder)
        where TStore : class, ICredentialStore => builder.Replace<ICredentialStore, TStore>();

    /// <summary>Uses <typeparamref name="TStore"/> to store the run log.</summary>
    public static IWebhookFlowsBuilder UseExecutionStore<TStore>(this IWebhookFlowsBuilder builder)
        where TStore : class, IExecutionStore => builder.Replace<IExecutionStore, TStore>();

    /// <summary>Uses <typeparamref name="TStore"/> to store step snapshots.</summary>
    public static IWebhookFlowsBuilder UseSnapshotStore<TStore>(this IWebhookFlowsBuilder builder)
        where TStore : class, ISnapshotStore => builder.Replace<ISnapshotStore, TStore>();

    /// <summary>Uses <typeparamref name="TQueue"/> between the hook and the workers.</summary>
    public static IWebhookFlowsBuilder UseQueue<TQueue>(this IWebhookFlowsBuilder builder)
        where TQueue : class, IFlowQueue => builder.Replace<IFlowQueue, TQueue>();

    /// <summary>Uses <typeparamref name="TStore"/> to remember the message ids hooks accepted (see <see cref="IReplayStore"/>).</summary>
    public static IWebhookFlowsBuilder UseReplayStore<TStore>(this IWebhookFlowsBuilder builder)
        where TStore : class, IReplayStore => builder.Replace<IReplayStore, TStore>();

    /// <summary>Uses <typeparamref name="TChannel"/> to carry flows' HTTP replies to the waiting hooks (see <see cref="IReplyChannel"/>).</summary>
    public static IWebhookFlowsBuilder UseReplyChannel<TChannel>(this IWebhookFlowsBuilder builder)
        where TChannel : class, IReplyChannel => builder.Replace<IReplyChannel, TChannel>();

    /// <summary>Uses <typeparamref name="TFeed"/> to announce flows' publish, start and stop (see <see cref="IFlowStateFeed"/>).</summary>
    public static IWebhookFlowsBuilder UseFlowStateFeed<TFeed>(this IWebhookFlowsBuilder builder)
        where TFeed : class, IFlowStateFeed => builder.Replace<IFlowStateFeed, TFeed>();

    /// <summary>Uses <typeparamref name="TEngine"/> to compile and evaluate mappings.</summary>
    public static IWebhookFlowsBuilder UseMappingEngine<TEngine>(this IWebhookFlowsBuilder builder)
        where TEngine : class, IMappingEngine => builder.Replace<IMappingEngine, TEngine>();

    private static IWebhookFlowsBuilder Replace<TService, TImplementation>(this IWebhookFlowsBuilder builder)
        where TService : class
        where TImplementation : class, TService
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<TService, TImplementation>());
        return builder;
    }
}
