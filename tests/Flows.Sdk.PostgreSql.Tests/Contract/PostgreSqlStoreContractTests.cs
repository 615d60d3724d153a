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
        new PgStoreFactory(new PgStores(time, runLogMaxCountPerFlow: runLogMaxCountPerFlow));
}

/// <summary>The PostgreSQL stores as the contract suites see them.</summary>
internal sealed class PgStoreFactory(PgStores stores) : StoreFactory
{
    public PgStores Stores => stores;

    public override IFlowStore Flows => stores.Flows;

    public override ICredentialStore Credentials => stores.Credentials;

    public override IExecutionStore Executions => stores.Executions;

    public override ISnapshotStore Snapshots => stores.Snapshots;

    // The store contract does not use a queue; the PostgreSQL package has none of its own yet (see docs/storage.md).
    public override IFlowQueue Queue => throw new NotSupportedException("Flows.Sdk.PostgreSql has no queue of its own yet.");

    public override ValueTask DisposeAsync() => stores.DisposeAsync();
}
