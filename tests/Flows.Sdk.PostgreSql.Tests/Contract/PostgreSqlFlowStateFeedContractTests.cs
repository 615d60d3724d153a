using Flows.Sdk.Contracts;
using Flows.Sdk.Flows;
using Flows.Sdk.PostgreSql.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Flows.Sdk.PostgreSql.Tests.Contract;

/// <summary>The feed contract on LISTEN/NOTIFY; each test has its own schema, so its own channel.</summary>
[TestFixture]
public sealed class PostgreSqlFlowStateFeedContractTests : FlowStateFeedContractTests
{
    private PgStores? _stores;

    protected override IFlowStateFeed CreateFeed()
    {
        _stores = new PgStores(new FakeTimeProvider());
        return new PostgreSqlFlowStateFeed(_stores.Database);
    }

    [TearDown]
    public async Task DisposeStores()
    {
        // The feed first (its listener uses the pool), then the pool; the base class's disposal of the feed is then a no-op.
        (Feed as IDisposable)?.Dispose();
        if (_stores is not null)
        {
            await _stores.DisposeAsync();
        }
    }
}
