using Flows.Sdk.Storage;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite;

/// <summary>Each step's snapshot as a JSON row, the component's object as it is.</summary>
internal sealed class SqliteSnapshotStore(SqliteDatabase database) : ISnapshotStore
{
    public async ValueTask<JObject?> GetAsync(string flowId, string stepId, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(context =>
        {
            var command = context.Command("SELECT data FROM snapshots WHERE flow_id = $flow AND step_id = $step;");
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$step", stepId);
            return command.ExecuteScalar() is string json ? FlowsJson.Parse(json) : null;
        }).ConfigureAwait(false);

    public async ValueTask SaveAsync(string flowId, string stepId, JObject snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var json = snapshot.ToString(Formatting.None);
        await database.WriteAsync(context =>
        {
            var command = context.Command("INSERT INTO snapshots (flow_id, step_id, data) VALUES ($flow, $step, $data) ON CONFLICT DO UPDATE SET data = excluded.data;");
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$step", stepId);
            command.Parameters.AddWithValue("$data", json);
            return command.ExecuteNonQuery();
        }).ConfigureAwait(false);
    }
}
