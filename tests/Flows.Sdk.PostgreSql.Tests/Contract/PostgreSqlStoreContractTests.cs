using Flows.Sdk.Contracts;
using Flows.Sdk.Execution;
using Flows.Sdk.PostgreSql.Tests.Support;
using Flows.Sdk.Storage;

namespace Flows.Sdk.PostgreSql.Tests.Contract;

/// <summary>The store contract (flows, credentials, run log, snapshots) on PostgreSQL; each test has its own schema.</summary>
[TestFixture]
public sealed class PostgreSqlStoreContractTests : StoreContractTests
{
    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity, int runLogMaxCountPerFlow = 10_000) =>
        new PgStoreFactory(new PgStores(time, runLogMaxCountPerFlow: runLogMaxCountPerFlow, queueCapacity: queueCapacity));
}

/// <summary>The queue contract on PostgreSQL (rows leased with FOR UPDATE SKIP LOCKED); each test has its own schema.</summary>
[TestFixture]
public sealed class PostgreSqlQueueContractTests : QueueContractTests
{
    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity) =>
        new PgStoreFactory(new PgStores(time, queueCapacity: queueCapacity));
}

/// <summary>The PostgreSQL stores as the contract suites see them.</summary>
internal sealed class PgStoreFactory(PgStores stores) : StoreFactory
{
    public PgStores Stores => stores;

    public override IFlowStore Flows => stores.Flows;

    public override ICredentialStore Credentials => stores.Credentials;

    public override IExecutionStore Executions => stores.Executions;

    public override ISnapshotStore Snapshots => stores.Snapshots;

    public override IFlowQueue Queue => stores.Queue;

    public override ValueTask DisposeAsync() => stores.DisposeAsync();
}
