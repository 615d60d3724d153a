using Flows.Sdk.Hooks;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>The refused deliveries in the SQLite file: kept across a restart, the last 50 per flow, newest first, forgotten per flow.</summary>
public sealed class SqliteRefusedDeliveryStoreTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    private static RefusedDelivery Refusal(string flowId, int n) => new()
    {
        FlowId = flowId,
        ReceivedAt = DateTimeOffset.UnixEpoch.AddSeconds(n),
        StatusCode = 401,
        Reason = "Unauthorized",
        Detail = $"refusal {n}",
        Method = "POST",
        ContentType = "application/json",
        BodySize = n,
        Headers = new Dictionary<string, string> { ["authorization"] = "***", ["x-n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    [Test]
    [CancelAfter(60_000)]
    public async Task Refusals_survive_a_restart_and_each_flow_keeps_its_last_fifty_newest_first()
    {
        var path = _directory.File("flows.db");
        using (var host = FailSafeTests.Build(path, SqliteStoreFactory.TestKey))
        {
            await host.StartAsync();
            var store = host.Services.GetRequiredService<IRefusedDeliveryStore>();
            store.Should().BeOfType<SqliteRefusedDeliveryStore>();
            for (var n = 1; n <= 55; n++)
            {
                await store.AddAsync(Refusal("f1", n));
            }

            await store.AddAsync(Refusal("f2", 1));
            await host.StopAsync();
        }

        using (var host = FailSafeTests.Build(path, SqliteStoreFactory.TestKey))
        {
            await host.StartAsync();
            var store = host.Services.GetRequiredService<IRefusedDeliveryStore>();
            var f1 = await store.ListAsync("f1", 100);
            f1.Should().HaveCount(store.MaxPerFlow).And.HaveCount(50);
            f1[0].Should().BeEquivalentTo(Refusal("f1", 55));
            f1[^1].Detail.Should().Be("refusal 6");
            (await store.ListAsync("f1", 3)).Select(r => r.BodySize).Should().Equal(55L, 54L, 53L);

            await store.RemoveAsync("f1");
            (await store.ListAsync("f1", 100)).Should().BeEmpty();
            (await store.ListAsync("f2", 100)).Should().ContainSingle().Which.Detail.Should().Be("refusal 1");
            await host.StopAsync();
        }
    }
}
