using Flows.Sdk.Hooks;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The last refused hook requests of each flow, one JSON row each (headers already masked, never a body); adding one trims
/// the flow's rows to <see cref="MaxPerFlow"/> in the same transaction.
/// </summary>
internal sealed class SqliteRefusedDeliveryStore(SqliteDatabase database) : IRefusedDeliveryStore
{
    public int MaxPerFlow => 50;

    public async ValueTask AddAsync(RefusedDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var json = FlowsJson.RefusedDelivery(delivery).ToString(Newtonsoft.Json.Formatting.None);
        await database.WriteAsync(context =>
        {
            var insert = context.Command("INSERT INTO refused_deliveries (flow_id, data) VALUES ($flow, $data);");
            insert.Parameters.AddWithValue("$flow", delivery.FlowId);
            insert.Parameters.AddWithValue("$data", json);
            insert.ExecuteNonQuery();
            var trim = context.Command("""
                DELETE FROM refused_deliveries WHERE flow_id = $flow AND seq IN (
                    SELECT seq FROM refused_deliveries WHERE flow_id = $flow ORDER BY seq DESC LIMIT -1 OFFSET $keep);
                """);
            trim.Parameters.AddWithValue("$flow", delivery.FlowId);
            trim.Parameters.AddWithValue("$keep", MaxPerFlow);
            return trim.ExecuteNonQuery();
        }, multiStatement: true).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<RefusedDelivery>> ListAsync(string flowId, int limit, CancellationToken cancellationToken = default)
    {
        await database.FlushAsync().ConfigureAwait(false);
        return await database.ReadAsync<IReadOnlyList<RefusedDelivery>>(context =>
        {
            var command = context.Command("SELECT data FROM refused_deliveries WHERE flow_id = $flow ORDER BY seq DESC LIMIT $limit;");
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$limit", Math.Max(limit, 0));
            using var reader = command.ExecuteReader();
            var items = new List<RefusedDelivery>();
            while (reader.Read())
            {
                items.Add(FlowsJson.ReadRefusedDelivery(FlowsJson.Parse(reader.GetString(0))));
            }

            return items;
        }).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string flowId, CancellationToken cancellationToken = default) =>
        await database.WriteAsync(context =>
        {
            var command = context.Command("DELETE FROM refused_deliveries WHERE flow_id = $flow;");
            command.Parameters.AddWithValue("$flow", flowId);
            return command.ExecuteNonQuery();
        }).ConfigureAwait(false);
}
