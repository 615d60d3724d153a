using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Flows.Sdk.PostgreSql;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores everything in PostgreSQL, shared by every node: <c>builder.UsePostgreSql("Host=...;Database=flows;...")</c>.</summary>
public static class PostgreSqlWebhookFlowsBuilderExtensions
{
    /// <summary>
    /// Stores flows (drafts and versions), credentials (secrets encrypted), the append-only run log, snapshots and the replay
    /// ids of signed messages in the PostgreSQL database of <paramref name="connectionString"/>, queues accepted messages in
    /// it (leased with <c>FOR UPDATE SKIP LOCKED</c>, so any node runs them; the hook answers <c>200</c> once the row is
    /// committed), and announces flows' publish, start and stop to every node through <c>LISTEN/NOTIFY</c>. The schema is created or migrated at start (once,
    /// whatever the number of nodes starting). The encryption key is read from the configuration key
    /// <c>Storage:PostgreSql:EncryptionKey</c> (see <see cref="PostgreSqlStorageOptions.EncryptionKey"/>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddWebhookFlows()</c>.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    public static IWebhookFlowsBuilder UsePostgreSql(this IWebhookFlowsBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UsePostgreSql(options => options.ConnectionString = connectionString);
    }

    /// <summary>
    /// Stores everything in PostgreSQL configured by <paramref name="configure"/>; see <see cref="UsePostgreSql(IWebhookFlowsBuilder, string)"/>.
    /// A missing or malformed connection string, encryption key or schema name fails the host at start, naming the setting;
    /// so do a key that is not the one the credentials were encrypted with and a schema newer than the package. A database
    /// that cannot be reached does not: operations fail with a <see cref="StorageUnavailableException"/>, answered
    /// <c>503</c> with <c>Retry-After</c>, and succeed again once it can be reached (Npgsql's pool reconnects by itself).
    /// </summary>
    /// <param name="builder">The builder from <c>AddWebhookFlows()</c>.</param>
    /// <param name="configure">Sets the <see cref="PostgreSqlStorageOptions"/>.</param>
    public static IWebhookFlowsBuilder UsePostgreSql(this IWebhookFlowsBuilder builder, Action<PostgreSqlStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<PostgreSqlStorageOptions>()
            .Configure<IServiceProvider>((options, provider) =>
                options.EncryptionKey ??= provider.GetService<IConfiguration>()?[PostgreSqlStorageOptions.EncryptionKeySetting])
            .Configure(configure)
            .ValidateOnStart();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStorageOptions>, PostgreSqlStorageOptionsValidator>());
        services.TryAddSingleton(provider => new PostgreSqlProtector(provider.GetService<ICredentialProtector>()
            ?? new AesGcmCredentialProtector(provider.GetRequiredService<IOptions<PostgreSqlStorageOptions>>().Value.EncryptionKey)));
        services.TryAddSingleton(provider => new PostgreSqlDatabase(
            provider.GetRequiredService<IOptions<PostgreSqlStorageOptions>>(),
            provider.GetRequiredService<ILogger<PostgreSqlDatabase>>(),
            provider.GetRequiredService<PostgreSqlProtector>().Protector,
            provider.GetService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlStartup>());

        services.Replace(ServiceDescriptor.Singleton<IFlowStore, PostgreSqlFlowStore>());
        services.TryAddSingleton<PostgreSqlFlowStateFeed>();
        services.Replace(ServiceDescriptor.Singleton<ICredentialStore>(provider => new PostgreSqlCredentialStore(
            provider.GetRequiredService<PostgreSqlDatabase>(), provider.GetRequiredService<PostgreSqlProtector>().Protector,
            provider.GetRequiredService<PostgreSqlFlowStateFeed>())));
        services.Replace(ServiceDescriptor.Singleton<IExecutionStore, PostgreSqlExecutionStore>());
        services.Replace(ServiceDescriptor.Singleton<ISnapshotStore, PostgreSqlSnapshotStore>());
        services.Replace(ServiceDescriptor.Singleton<IReplayStore>(provider => new PostgreSqlReplayStore(
            provider.GetRequiredService<PostgreSqlDatabase>(), provider.GetService<TimeProvider>() ?? TimeProvider.System)));
        services.Replace(ServiceDescriptor.Singleton<IFlowStateFeed>(provider => provider.GetRequiredService<PostgreSqlFlowStateFeed>()));
        services.Replace(ServiceDescriptor.Singleton<IRefusedDeliveryStore, PostgreSqlRefusedDeliveryStore>());
        services.Replace(ServiceDescriptor.Singleton<IFlowQueue>(provider => new PostgreSqlFlowQueue(
            provider.GetRequiredService<PostgreSqlDatabase>(), provider.GetRequiredService<IOptions<WebhookFlowsOptions>>(),
            provider.GetService<TimeProvider>(), provider.GetService<ILogger<PostgreSqlFlowQueue>>(), provider.GetRequiredService<PostgreSqlFlowStateFeed>())));
        return builder;
    }
}
