using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.PostgreSql.Tests.Support;

/// <summary>The PostgreSQL stores over one fresh schema of the run's database; disposing closes the pool (the rows stay).</summary>
internal sealed class PgStores : IAsyncDisposable
{
    public PgStores(TimeProvider time, string? schema = null, int runLogMaxCountPerFlow = 10_000, Action<PostgreSqlStorageOptions>? configure = null, int queueCapacity = 1024)
    {
        Time = time;
        var options = new PostgreSqlStorageOptions { ConnectionString = TestDatabase.ConnectionString, EncryptionKey = TestDatabase.TestKey, Schema = schema ?? TestDatabase.NewSchema() };
        configure?.Invoke(options);
        Options = options;
        Protector = new AesGcmCredentialProtector(options.EncryptionKey);
        Database = new PostgreSqlDatabase(Microsoft.Extensions.Options.Options.Create(options), NullLogger<PostgreSqlDatabase>.Instance, Protector, time);
        Flows = new PostgreSqlFlowStore(Database);
        Credentials = new PostgreSqlCredentialStore(Database, Protector);
        Executions = new PostgreSqlExecutionStore(Database, Microsoft.Extensions.Options.Options.Create(new WebhookFlowsOptions { RunLogMaxCountPerFlow = runLogMaxCountPerFlow }));
        Snapshots = new PostgreSqlSnapshotStore(Database);
        Replay = new PostgreSqlReplayStore(Database, time);
        Queue = new PostgreSqlFlowQueue(Database, Microsoft.Extensions.Options.Options.Create(new WebhookFlowsOptions { QueueCapacity = queueCapacity }), time);
    }

    public TimeProvider Time { get; }

    public PostgreSqlStorageOptions Options { get; }

    public string Schema => Options.Schema;

    public AesGcmCredentialProtector Protector { get; }

    public PostgreSqlDatabase Database { get; }

    public PostgreSqlFlowStore Flows { get; }

    public PostgreSqlCredentialStore Credentials { get; }

    public PostgreSqlExecutionStore Executions { get; }

    public PostgreSqlSnapshotStore Snapshots { get; }

    public PostgreSqlReplayStore Replay { get; }

    public PostgreSqlFlowQueue Queue { get; }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
