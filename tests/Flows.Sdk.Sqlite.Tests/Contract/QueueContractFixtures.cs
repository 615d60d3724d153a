using Flows.Sdk.Contracts;
using Flows.Sdk.Sqlite.Tests.Support;

namespace Flows.Sdk.Sqlite.Tests.Contract;

[TestFixture]
public sealed class InMemoryQueueContractTests : QueueContractTests
{
    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity) => new InMemoryStoreFactory(time, queueCapacity);
}

[TestFixture]
public sealed class SqliteQueueContractTests : QueueContractTests
{
    private TempDirectory? _directory;

    // Runs before the base class disposes the stores; unlinking an open SQLite file is harmless on Linux and macOS.
    [TearDown]
    public void DeleteDirectory() => _directory?.Dispose();

    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity)
    {
        _directory = new TempDirectory();
        return new SqliteStoreFactory(_directory.File("flows.db"), time, queueCapacity);
    }
}
