using Flows.Sdk.Contracts;
using Flows.Sdk.Hooks;
using Flows.Sdk.PostgreSql.Tests.Support;

namespace Flows.Sdk.PostgreSql.Tests.Contract;

[TestFixture]
public sealed class PostgreSqlReplayStoreContractTests : ReplayStoreContractTests
{
    private PgStores _stores = null!;

    protected override ValueTask<IReplayStore> CreateStoreAsync(TimeProvider time)
    {
        _stores = new PgStores(time);
        return new(_stores.Replay);
    }

    protected override ValueTask DisposeStoreAsync() => _stores.DisposeAsync();
}
