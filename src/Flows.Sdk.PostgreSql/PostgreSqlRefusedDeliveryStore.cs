using Flows.Sdk.Hooks;
using Newtonsoft.Json;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The last refused hook requests of each flow, shared by every node: one row each in <see cref="FlowsJson.RefusedDelivery"/>'s
/// form (headers already masked, never a body); adding one trims the flow's rows to <see cref="MaxPerFlow"/> in the same statement.
/// </summary>
internal sealed class PostgreSqlRefusedDeliveryStore(PostgreSqlDatabase database) : IRefusedDeliveryStore
{
    public int MaxPerFlow => 50;

    public async ValueTask AddAsync(RefusedDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var json = FlowsJson.RefusedDelivery(delivery).ToString(Formatting.None);
        await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, """
                WITH added AS (INSERT INTO refused_deliveries (flow_id, data) VALUES ($1, $2) RETURNING seq)
                DELETE FROM refused_deliveries WHERE flow_id = $1 AND seq < (
                    SELECT min(seq) FROM (
                        SELECT seq FROM refused_deliveries WHERE flow_id = $1
                        UNION ALL SELECT seq FROM added
                        ORDER BY seq DESC LIMIT $3) AS kept);
                """, null, delivery.FlowId, json, MaxPerFlow);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<RefusedDelivery>> ListAsync(string flowId, int limit, CancellationToken cancellationToken = default) =>
        await database.RunAsync<IReadOnlyList<RefusedDelivery>>(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "SELECT data FROM refused_deliveries WHERE flow_id = $1 ORDER BY seq DESC LIMIT $2;", null, flowId, Math.Max(limit, 0));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var items = new List<RefusedDelivery>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                items.Add(FlowsJson.ReadRefusedDelivery(FlowsJson.Parse(reader.GetString(0))));
            }

            return items;
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask RemoveAsync(string flowId, CancellationToken cancellationToken = default) =>
        await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, "DELETE FROM refused_deliveries WHERE flow_id = $1;", null, flowId);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
}
