using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// Flows (with their drafts) and their published versions, as JSON rows in <see cref="FlowsJson"/>'s stored form. Flows are immutable records, kept in a write-through
/// cache once read or written (the hook reads its flow on every request).
/// </summary>
internal sealed class SqliteFlowStore(SqliteDatabase database) : IFlowStore
{
    private readonly StoreCache<Flow> _cache = new();

    public async ValueTask<Flow?> GetAsync(string flowId, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGet(flowId, out var cached))
        {
            return cached;
        }

        var generation = _cache.Generation;
        var flow = await database.ReadAsync(context =>
        {
            var command = context.Command("SELECT data FROM flows WHERE id = $id;");
            command.Parameters.AddWithValue("$id", flowId);
            return command.ExecuteScalar() is string json ? FlowsJson.ReadFlow(FlowsJson.Parse(json)) : null;
        }).ConfigureAwait(false);
        if (flow is not null)
        {
            _cache.AddRead(flowId, flow, generation);
        }

        return flow;
    }

    public async ValueTask<IReadOnlyList<Flow>> ListAsync(CancellationToken cancellationToken = default) =>
        await database.ReadAsync<IReadOnlyList<Flow>>(context =>
        {
            var command = context.Command("SELECT data FROM flows ORDER BY created_at, id;");
            using var reader = command.ExecuteReader();
            var flows = new List<Flow>();
            while (reader.Read())
            {
                flows.Add(FlowsJson.ReadFlow(FlowsJson.Parse(reader.GetString(0))));
            }

            return flows;
        }).ConfigureAwait(false);

    public async ValueTask AddAsync(Flow flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var json = FlowsJson.Flow(flow).ToString(Formatting.None);
        await database.WriteAsync(context =>
        {
            var command = context.Command("INSERT INTO flows (id, revision, created_at, data) VALUES ($id, $revision, $created, $data) ON CONFLICT (id) DO NOTHING;");
            command.Parameters.AddWithValue("$id", flow.Id);
            command.Parameters.AddWithValue("$revision", flow.Revision);
            command.Parameters.AddWithValue("$created", flow.CreatedAt.UtcTicks);
            command.Parameters.AddWithValue("$data", json);
            return command.ExecuteNonQuery() == 1 ? true : throw new InvalidOperationException($"A flow with id '{flow.Id}' exists.");
        }).ConfigureAwait(false);
        _cache.Set(flow.Id, flow);
    }

    public async ValueTask<bool> TryUpdateAsync(Flow flow, long expectedRevision, FlowVersion? newVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var json = FlowsJson.Flow(flow).ToString(Formatting.None);
        var versionJson = newVersion is null ? null : FlowsJson.Version(newVersion).ToString(Formatting.None);

        // The writer is the only connection that writes and runs inside BEGIN IMMEDIATE: the checks and the changes are atomic.
        var updated = await database.WriteAsync(context =>
        {
            var check = context.Command("SELECT revision FROM flows WHERE id = $id;");
            check.Parameters.AddWithValue("$id", flow.Id);
            if (check.ExecuteScalar() is not long revision || revision != expectedRevision)
            {
                return false;
            }

            if (newVersion is not null)
            {
                var insert = context.Command("INSERT INTO flow_versions (flow_id, number, data) VALUES ($flow, $number, $data) ON CONFLICT DO NOTHING;");
                insert.Parameters.AddWithValue("$flow", newVersion.FlowId);
                insert.Parameters.AddWithValue("$number", newVersion.Number);
                insert.Parameters.AddWithValue("$data", versionJson);
                if (insert.ExecuteNonQuery() != 1)
                {
                    return false;
                }
            }

            var update = context.Command("UPDATE flows SET revision = $revision, data = $data WHERE id = $id;");
            update.Parameters.AddWithValue("$id", flow.Id);
            update.Parameters.AddWithValue("$revision", flow.Revision);
            update.Parameters.AddWithValue("$data", json);
            update.ExecuteNonQuery();
            return true;
        }, multiStatement: true).ConfigureAwait(false);
        if (updated)
        {
            _cache.Set(flow.Id, flow);
        }

        return updated;
    }

    public async ValueTask<FlowVersion?> GetVersionAsync(string flowId, int version, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(context =>
        {
            var command = context.Command("SELECT data FROM flow_versions WHERE flow_id = $flow AND number = $number;");
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$number", version);
            return command.ExecuteScalar() is string json ? FlowsJson.ReadVersion(FlowsJson.Parse(json)) : null;
        }).ConfigureAwait(false);

    public async ValueTask<bool> DeleteAsync(string flowId, long expectedRevision, CancellationToken cancellationToken = default)
    {
        var deleted = await database.WriteAsync(context =>
        {
            var check = context.Command("SELECT revision FROM flows WHERE id = $id;");
            check.Parameters.AddWithValue("$id", flowId);
            if (check.ExecuteScalar() is not long revision || revision != expectedRevision)
            {
                return false;
            }

            var versions = context.Command("DELETE FROM flow_versions WHERE flow_id = $id;");
            versions.Parameters.AddWithValue("$id", flowId);
            versions.ExecuteNonQuery();
            var flow = context.Command("DELETE FROM flows WHERE id = $id;");
            flow.Parameters.AddWithValue("$id", flowId);
            flow.ExecuteNonQuery();
            return true;
        }, multiStatement: true).ConfigureAwait(false);
        if (deleted)
        {
            _cache.Remove(flowId);
        }

        return deleted;
    }
}
