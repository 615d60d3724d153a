using Flows.Sdk.Storage;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.PostgreSql;

/// <summary>Each step's snapshot, one row per flow and step; the last save wins.</summary>
internal sealed class PostgreSqlSnapshotStore(PostgreSqlDatabase database) : ISnapshotStore
{
    public async ValueTask<JObject?> GetAsync(string flowId, string stepId, CancellationToken cancellationToken = default)
    {
        var json = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, "SELECT data FROM snapshots WHERE flow_id = $1 AND step_id = $2;", null, flowId, stepId);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
        }, cancellationToken).ConfigureAwait(false);
        return json is null ? null : PostgreSqlJson.ParseObject(json);
    }

    public async ValueTask SaveAsync(string flowId, string stepId, JObject snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var json = PostgreSqlJson.Write(snapshot);
        await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "INSERT INTO snapshots (flow_id, step_id, data) VALUES ($1, $2, $3) ON CONFLICT (flow_id, step_id) DO UPDATE SET data = excluded.data;", null,
                flowId, stepId, json);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
