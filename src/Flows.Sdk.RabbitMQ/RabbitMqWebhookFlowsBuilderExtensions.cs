using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.RabbitMQ;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs the queue, the reply channel and the flow-state feed on RabbitMQ: <c>builder.UseRabbitMq(new Uri("amqp://localhost"))</c>.</summary>
public static class RabbitMqWebhookFlowsBuilderExtensions
{
    /// <summary>
    /// Queues accepted messages in RabbitMQ quorum queues (the hook answers <c>200</c> after the broker's publisher confirm), and
    /// carries synchronous replies and flow-state changes between nodes through the broker, so several nodes share one set of flows.
    /// Call it after the store's registration (<c>UseSqlite</c>, <c>UsePostgreSql</c>): it replaces the store's own queue.
    /// While the broker cannot be reached the hook answers <c>503</c> with <c>Retry-After</c>; the client reconnects by itself.
    /// </summary>
    /// <param name="builder">The builder from <c>AddWebhookFlows()</c>.</param>
    /// <param name="uri">The broker, e.g. <c>amqp://user:password@host:5672/vhost</c>.</param>
    public static IWebhookFlowsBuilder UseRabbitMq(this IWebhookFlowsBuilder builder, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return builder.UseRabbitMq(options => options.Uri = uri);
    }

    /// <summary>Uses RabbitMQ as configured by <paramref name="configure"/>; see <see cref="UseRabbitMq(IWebhookFlowsBuilder, Uri)"/>.</summary>
    /// <param name="builder">The builder from <c>AddWebhookFlows()</c>.</param>
    /// <param name="configure">Sets the <see cref="RabbitMqOptions"/> (validated at start).</param>
    public static IWebhookFlowsBuilder UseRabbitMq(this IWebhookFlowsBuilder builder, Action<RabbitMqOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<RabbitMqOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>());
        services.TryAddSingleton(provider => new RabbitMqConnection(
            provider.GetRequiredService<IOptions<RabbitMqOptions>>(),
            provider.GetRequiredService<IOptions<WebhookFlowsOptions>>(),
            provider.GetRequiredService<ILogger<RabbitMqConnection>>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton(provider => new RabbitMqReplyChannel(provider.GetRequiredService<RabbitMqConnection>(), provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton(provider => new RabbitMqFlowQueue(
            provider.GetRequiredService<RabbitMqConnection>(),
            provider.GetRequiredService<RabbitMqReplyChannel>(),
            provider.GetRequiredService<IOptions<WebhookFlowsOptions>>(),
            provider.GetRequiredService<ILogger<RabbitMqFlowQueue>>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton<RabbitMqFlowStateFeed>();
        services.TryAddSingleton(provider => new RabbitMqDeadLetters(
            provider.GetRequiredService<RabbitMqConnection>(),
            provider.GetRequiredService<IExecutionStore>(),
            provider.GetRequiredService<IFlowStore>(),
            provider.GetRequiredService<IReplyChannel>(),
            provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetRequiredService<ILogger<RabbitMqDeadLetters>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RabbitMqStartup>());

        services.Replace(ServiceDescriptor.Singleton<IFlowQueue>(provider => provider.GetRequiredService<RabbitMqFlowQueue>()));
        services.Replace(ServiceDescriptor.Singleton<IReplyChannel>(provider => provider.GetRequiredService<RabbitMqReplyChannel>()));
        services.Replace(ServiceDescriptor.Singleton<IFlowStateFeed>(provider => provider.GetRequiredService<RabbitMqFlowStateFeed>()));
        return builder;
    }

    /// <summary>
    /// Adds a health check of the RabbitMQ queue (healthy while the node is connected to the broker) to
    /// <c>services.AddHealthChecks()</c>; map it with <c>app.MapHealthChecks("/healthz")</c>. Requires <c>UseRabbitMq</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name (default <c>flows-rabbitmq</c>).</param>
    /// <param name="failureStatus">What an unreachable broker reports (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags to filter the check by.</param>
    public static IHealthChecksBuilder AddFlowsRabbitMq(this IHealthChecksBuilder builder, string name = "flows-rabbitmq", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name, provider => new RabbitMqHealthCheck(provider.GetRequiredService<RabbitMqConnection>()), failureStatus, tags));
    }
}
