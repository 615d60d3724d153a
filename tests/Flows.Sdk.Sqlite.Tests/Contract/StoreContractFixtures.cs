using Flows.Sdk.Contracts;
using Flows.Sdk.Sqlite.Tests.Support;

namespace Flows.Sdk.Sqlite.Tests.Contract;

[TestFixture]
public sealed class InMemoryStoreContractTests : StoreContractTests
{
    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity, int runLogMaxCountPerFlow = 10_000) =>
        new InMemoryStoreFactory(time, queueCapacity, runLogMaxCountPerFlow);
}

[TestFixture]
public sealed class SqliteStoreContractTests : StoreContractTests
{
    // The directory goes when the stores are disposed, after the file is closed.
    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity, int runLogMaxCountPerFlow = 10_000)
    {
        var directory = new TempDirectory();
        return new SqliteStoreFactory(directory.File("flows.db"), time, queueCapacity, runLogMaxCountPerFlow: runLogMaxCountPerFlow) { OwnedDirectory = directory };
    }
}
