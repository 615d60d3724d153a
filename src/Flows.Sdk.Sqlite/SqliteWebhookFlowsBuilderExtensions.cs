using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Hooks;
using Flows.Sdk.Sqlite;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Configuration;
using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores everything in one SQLite file: <c>builder.UseSqlite("./data/flows.db")</c>.</summary>
public static class SqliteWebhookFlowsBuilderExtensions
{
    /// <summary>
    /// Stores flows (drafts and versions), credentials (secrets encrypted), the run log, snapshots, the queue of accepted
    /// messages, the replay ids of signed messages and the last refused hook requests in the SQLite file at <paramref name="path"/>. The hook answers <c>200</c> only once the message is committed
    /// to the file; messages not finished when the process stopped are delivered again at start. The encryption key is read
    /// from the configuration key <c>Storage:Sqlite:EncryptionKey</c> (see <see cref="SqliteStorageOptions.EncryptionKey"/>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddWebhookFlows()</c>.</param>
    /// <param name="path">The database file; its directory is created when missing.</param>
    public static IWebhookFlowsBuilder UseSqlite(this IWebhookFlowsBuilder builder, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.UseSqlite(options => options.Path = path);
    }

    /// <summary>
    /// Stores everything in one SQLite file configured by <paramref name="configure"/>; see <see cref="UseSqlite(IWebhookFlowsBuilder, string)"/>.
    /// A missing path or a missing or malformed encryption key fails the host at start, naming the setting; so do a key that is
    /// not the one the file's credentials were encrypted with, and a file owned by another process (an OS lock on
    /// <c>&lt;path&gt;.lock</c>). A write the disk refuses (full, I/O error) fails with a
    /// <see cref="StorageUnavailableException"/>, answered <c>503</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddWebhookFlows()</c>.</param>
    /// <param name="configure">Sets the <see cref="SqliteStorageOptions"/>.</param>
    public static IWebhookFlowsBuilder UseSqlite(this IWebhookFlowsBuilder builder, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<SqliteStorageOptions>()
            .Configure<IServiceProvider>((options, provider) =>
                options.EncryptionKey ??= provider.GetService<IConfiguration>()?[SqliteStorageOptions.EncryptionKeySetting])
            .Configure(configure)
            .ValidateOnStart();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStorageOptions>, SqliteStorageOptionsValidator>());
        // One protector for the store and the key check at start: the registered one, else AES-GCM with the configured key.
        services.TryAddSingleton(provider => new SqliteProtector(provider.GetService<ICredentialProtector>()
            ?? new AesGcmCredentialProtector(provider.GetRequiredService<IOptions<SqliteStorageOptions>>().Value.EncryptionKey)));
        services.TryAddSingleton(provider => new SqliteDatabase(
            provider.GetRequiredService<IOptions<SqliteStorageOptions>>(),
            provider.GetRequiredService<ILogger<SqliteDatabase>>(),
            provider.GetRequiredService<SqliteProtector>().Protector,
            provider.GetService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStartup>());

        services.Replace(ServiceDescriptor.Singleton<IFlowStore, SqliteFlowStore>());
        services.Replace(ServiceDescriptor.Singleton<ICredentialStore>(provider => new SqliteCredentialStore(
            provider.GetRequiredService<SqliteDatabase>(), provider.GetRequiredService<SqliteProtector>().Protector)));
        services.Replace(ServiceDescriptor.Singleton<IExecutionStore, SqliteExecutionStore>());
        services.Replace(ServiceDescriptor.Singleton<ISnapshotStore, SqliteSnapshotStore>());
        services.Replace(ServiceDescriptor.Singleton<IFlowQueue, SqliteFlowQueue>());
        services.Replace(ServiceDescriptor.Singleton<IReplayStore, SqliteReplayStore>());
        services.Replace(ServiceDescriptor.Singleton<IRefusedDeliveryStore, SqliteRefusedDeliveryStore>());
        return builder;
    }
}
