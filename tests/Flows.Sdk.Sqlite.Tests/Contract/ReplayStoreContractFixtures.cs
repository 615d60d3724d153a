using Flows.Sdk.Contracts;
using Flows.Sdk.Hooks;
using Flows.Sdk.Sqlite.Tests.Support;

namespace Flows.Sdk.Sqlite.Tests.Contract;

[TestFixture]
public sealed class InMemoryReplayStoreContractTests : ReplayStoreContractTests
{
    protected override ValueTask<IReplayStore> CreateStoreAsync(TimeProvider time) => new(new InMemoryReplayStore(time));
}

[TestFixture]
public sealed class SqliteReplayStoreContractTests : ReplayStoreContractTests
{
    private TempDirectory _directory = null!;
    private SqliteStoreFactory _stores = null!;

    protected override ValueTask<IReplayStore> CreateStoreAsync(TimeProvider time)
    {
        _directory = new TempDirectory();
        _stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        return new(new SqliteReplayStore(_stores.Database, time));
    }

    protected override Task SettleAsync() => _stores.Database.WriteAsync(static _ => 0);

    protected override async ValueTask DisposeStoreAsync()
    {
        await _stores.DisposeAsync();
        _directory.Dispose();
    }
}
