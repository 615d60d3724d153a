using System.Globalization;
using Flows.Sdk.Hooks;
using Flows.Sdk.PostgreSql.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flows.Sdk.PostgreSql.Tests;

/// <summary>The refused deliveries in PostgreSQL: shared by every node, the last 50 per flow, newest first, forgotten per flow.</summary>
public sealed class PostgreSqlRefusedDeliveryStoreTests
{
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
        Headers = new Dictionary<string, string> { ["authorization"] = "***", ["x-n"] = n.ToString(CultureInfo.InvariantCulture) },
    };

    [Test]
    [CancelAfter(60_000)]
    public async Task Refusals_recorded_on_one_node_are_listed_on_another_the_last_fifty_per_flow_newest_first()
    {
        var schema = TestDatabase.NewSchema();
        await using var a = await PgHookApp.StartAsync(schema);
        await using var b = await PgHookApp.StartAsync(schema);
        var onA = a.Services.GetRequiredService<IRefusedDeliveryStore>();
        var onB = b.Services.GetRequiredService<IRefusedDeliveryStore>();
        onA.GetType().Name.Should().Be("PostgreSqlRefusedDeliveryStore");
        for (var n = 1; n <= 55; n++)
        {
            await onA.AddAsync(Refusal("f1", n));
        }

        await onB.AddAsync(Refusal("f2", 1));

        var f1 = await onB.ListAsync("f1", 100);
        f1.Should().HaveCount(onB.MaxPerFlow).And.HaveCount(50);
        f1[0].Should().BeEquivalentTo(Refusal("f1", 55));
        f1[^1].Detail.Should().Be("refusal 6");
        (await onB.ListAsync("f1", 3)).Select(r => r.BodySize).Should().Equal(55L, 54L, 53L);
        (await TestDatabase.QueryAsync(schema, "SELECT count(*) FROM refused_deliveries WHERE flow_id = 'f1';"))[0][0].Should().Be(50L, "older rows are deleted as new ones are added");

        await onA.RemoveAsync("f1");
        (await onB.ListAsync("f1", 100)).Should().BeEmpty();
        (await onA.ListAsync("f2", 100)).Should().ContainSingle().Which.Detail.Should().Be("refusal 1");
    }
}
