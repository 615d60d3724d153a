using Flows.Sdk.Contracts;
using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Sqlite.Tests.Support;

internal sealed class InMemoryStoreFactory(TimeProvider time, int queueCapacity, int runLogMaxCountPerFlow = 10_000) : StoreFactory
{
    private readonly InMemoryFlowQueue _queue = new(Options.Create(new WebhookFlowsOptions { QueueCapacity = queueCapacity }), time);

    public override IFlowStore Flows { get; } = new InMemoryFlowStore();

    public override ICredentialStore Credentials { get; } = new InMemoryCredentialStore();

    public override IExecutionStore Executions { get; } = new InMemoryExecutionStore(Options.Create(new WebhookFlowsOptions { RunLogMaxCountPerFlow = runLogMaxCountPerFlow }));

    public override ISnapshotStore Snapshots { get; } = new InMemorySnapshotStore();

    public override IFlowQueue Queue => _queue;

    public override ValueTask DisposeAsync()
    {
        _queue.Dispose();
        return default;
    }
}

/// <summary>The SQLite stores over a file; disposing closes the file (as a stopped process would), the file stays.</summary>
internal sealed class SqliteStoreFactory : StoreFactory
{
    public const string TestKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private readonly SqliteFlowQueue _queue;

    public SqliteStoreFactory(string path, TimeProvider time, int queueCapacity = 1024, Action<SqliteStorageOptions>? configure = null, int runLogMaxCountPerFlow = 10_000)
    {
        var options = new SqliteStorageOptions { Path = path, EncryptionKey = TestKey };
        configure?.Invoke(options);
        Database = new SqliteDatabase(Options.Create(options), NullLogger<SqliteDatabase>.Instance);
        Flows = new SqliteFlowStore(Database);
        Credentials = new SqliteCredentialStore(Database, new AesGcmCredentialProtector(options.EncryptionKey));
        Executions = SqliteExecutions = new SqliteExecutionStore(Database, Options.Create(new WebhookFlowsOptions { RunLogMaxCountPerFlow = runLogMaxCountPerFlow }));
        Snapshots = new SqliteSnapshotStore(Database);
        _queue = new SqliteFlowQueue(Database, Options.Create(new WebhookFlowsOptions { QueueCapacity = queueCapacity }), time, NullLogger<SqliteFlowQueue>.Instance);
    }

    public SqliteDatabase Database { get; }

    public override IFlowStore Flows { get; }

    public override ICredentialStore Credentials { get; }

    public override IExecutionStore Executions { get; }

    public override ISnapshotStore Snapshots { get; }

    public override IFlowQueue Queue => _queue;

    public SqliteFlowQueue SqliteQueue => _queue;

    public SqliteExecutionStore SqliteExecutions { get; }

    /// <summary>A directory deleted once the file is closed (by <see cref="DisposeAsync"/>), when set.</summary>
    public TempDirectory? OwnedDirectory { get; init; }

    public override async ValueTask DisposeAsync()
    {
        _queue.Dispose();
        await Database.DisposeAsync();
        OwnedDirectory?.Dispose();
    }
}

/// <summary>A temporary directory, deleted at the end.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flows-sqlite-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }
}
