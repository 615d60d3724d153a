using System.Text;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The run log. An execution is keyed by its id (assigned when the hook accepted the request), so a redelivered message
/// overwrites its own entry instead of adding one; the entry's delivery count comes from the queue row of the message.
/// Step inputs and outputs larger than <see cref="SqliteStorageOptions.MaxLoggedPayloadSize"/> are replaced by a marker.
/// Saves are written behind (see <see cref="SqliteDatabase.WriteBehind{T}"/>): the worker does not wait for the disk, a crash
/// loses at most the last states of executions whose messages are then delivered again; reads first wait for queued saves.
/// </summary>
internal sealed class SqliteExecutionStore(SqliteDatabase database) : IExecutionStore
{
    private const string Upsert = """
        INSERT INTO executions (id, flow_id, request_id, status, started_at, delivery_count, data)
        VALUES ($id, $flow, $request, $status, $started, $deliveries, $data)
        ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, started_at = excluded.started_at, data = excluded.data,
            delivery_count = MAX(executions.delivery_count, excluded.delivery_count);
        """;

    // The latest state of each execution saved but not yet committed. A newer save replaces the state of a write still waiting
    // for the writer instead of queueing another (the runner saves after every step; under load several states of one
    // execution meet in one group). Reads of one execution look here first: read-your-writes without waiting for the disk.
    private readonly Dictionary<string, Pending> _latest = new(StringComparer.Ordinal);

    public ValueTask SaveAsync(FlowExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var logged = Truncate(execution, database.Options);
        var json = SqliteJson.Serialize(logged);
        Pending pending;
        lock (_latest)
        {
            if (_latest.TryGetValue(execution.Id, out var waiting) && !waiting.Taken)
            {
                waiting.Execution = logged;
                waiting.Json = json;
                return default;
            }

            _latest[execution.Id] = pending = new Pending { Execution = logged, Json = json };
        }

        _ = database.WriteBehind(context =>
        {
            FlowExecution state;
            string data;
            lock (_latest)
            {
                pending.Taken = true;
                state = pending.Execution;
                data = pending.Json;
            }

            var command = context.Command(Upsert);
            command.Parameters.AddWithValue("$id", state.Id);
            command.Parameters.AddWithValue("$flow", state.FlowId);
            command.Parameters.AddWithValue("$request", state.RequestId);
            command.Parameters.AddWithValue("$status", state.Status.ToString());
            command.Parameters.AddWithValue("$started", state.StartedAt.UtcTicks);
            command.Parameters.AddWithValue("$deliveries", state.DeliveryCount);
            command.Parameters.AddWithValue("$data", data);
            var written = command.ExecuteNonQuery();
            database.UnloggedExecutions.TryRemove(state.Id, out _); // The whole state is written: the log is complete again.
            return written;
        }, onFailed: () => database.UnloggedExecutions[execution.Id] = true).ContinueWith(
            _ =>
            {
                // Committed (or failed and logged): from now on a read finds this state, or a newer one, in the database.
                lock (_latest)
                {
                    if (_latest.TryGetValue(execution.Id, out var current) && ReferenceEquals(current, pending))
                    {
                        _latest.Remove(execution.Id);
                    }
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return default;
    }

    private sealed class Pending
    {
        public required FlowExecution Execution { get; set; }

        public required string Json { get; set; }

        /// <summary>Whether the writer has taken this state; a newer save then queues a write of its own.</summary>
        public bool Taken { get; set; }
    }

    public async ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        lock (_latest)
        {
            if (_latest.TryGetValue(executionId, out var pending))
            {
                return pending.Execution;
            }
        }

        return await database.ReadAsync(context =>
        {
            var command = context.Command("SELECT data, delivery_count FROM executions WHERE id = $id;");
            command.Parameters.AddWithValue("$id", executionId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? Read(reader) : null;
        }).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await database.FlushAsync().ConfigureAwait(false);
        return await database.ReadAsync<IReadOnlyList<FlowExecution>>(context =>
        {
            var command = context.Command("""
                SELECT data, delivery_count FROM executions
                WHERE flow_id = $flow AND ($status IS NULL OR status = $status)
                  AND ($from IS NULL OR started_at >= $from) AND ($to IS NULL OR started_at < $to)
                ORDER BY started_at DESC, id DESC LIMIT $limit OFFSET $skip;
                """);
            command.Parameters.AddWithValue("$flow", query.FlowId);
            command.Parameters.AddWithValue("$status", query.Status is { } status ? status.ToString() : DBNull.Value);
            command.Parameters.AddWithValue("$from", query.From is { } from ? from.UtcTicks : DBNull.Value);
            command.Parameters.AddWithValue("$to", query.To is { } to ? to.UtcTicks : DBNull.Value);
            command.Parameters.AddWithValue("$limit", Math.Max(query.Limit, 0));
            command.Parameters.AddWithValue("$skip", Math.Max(query.Skip, 0));
            using var reader = command.ExecuteReader();
            var executions = new List<FlowExecution>();
            while (reader.Read())
            {
                executions.Add(Read(reader));
            }

            return executions;
        }).ConfigureAwait(false);
    }

    public async ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default) =>
        await database.WriteAsync(context =>
        {
            // Finished executions only (running and rebounding ones are kept), numbered newest first as the run log lists them.
            var command = context.Command("""
                DELETE FROM executions WHERE id IN (
                    SELECT id FROM (
                        SELECT id, started_at, ROW_NUMBER() OVER (ORDER BY started_at DESC, id DESC) AS position
                        FROM executions WHERE flow_id = $flow AND status IN ('Succeeded', 'Failed'))
                    WHERE started_at < $older OR position > $keep);
                """);
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$older", olderThan.UtcTicks);
            command.Parameters.AddWithValue("$keep", Math.Max(keepNewest, 0));
            return command.ExecuteNonQuery();
        }).ConfigureAwait(false);

    private static FlowExecution Read(SqliteDataReader reader) =>
        SqliteJson.Deserialize<FlowExecution>(reader.GetString(0)) with { DeliveryCount = reader.GetInt32(1) };

    /// <summary>Replaces step inputs and outputs over the size limit by a marker with their size and a preview.</summary>
    internal static FlowExecution Truncate(FlowExecution execution, SqliteStorageOptions options)
    {
        StepExecution[]? steps = null;
        for (var i = 0; i < execution.Steps.Count; i++)
        {
            var step = execution.Steps[i];
            var input = Cut(step.Input, options);
            var output = Cut(step.Output, options);
            if (!ReferenceEquals(input, step.Input) || !ReferenceEquals(output, step.Output))
            {
                steps ??= [.. execution.Steps];
                steps[i] = step with { Input = input, Output = output };
            }
        }

        return steps is null ? execution : execution with { Steps = steps };
    }

    /// <summary>
    /// An upper bound of the UTF-8 size of <paramref name="token"/>'s JSON (each char of a string or name counted as the longest
    /// escape, 6 bytes); stops counting once past <paramref name="limit"/>.
    /// </summary>
    internal static long MaxJsonBytes(JToken token, long limit)
    {
        long size = 0;
        var pending = new Stack<JToken>();
        pending.Push(token);
        while (pending.Count > 0 && size <= limit)
        {
            switch (pending.Pop())
            {
                case JProperty property:
                    size += (property.Name.Length * 6) + 3;
                    pending.Push(property.Value);
                    break;
                case JContainer container:
                    size += 2;
                    foreach (var child in container.Children())
                    {
                        size += 1;
                        pending.Push(child);
                    }

                    break;
                case JValue { Value: string text }:
                    size += (text.Length * 6) + 2;
                    break;
                default:
                    size += 40;
                    break;
            }
        }

        return size;
    }

    private static JToken? Cut(JToken? token, SqliteStorageOptions options)
    {
        if (token is null || token.Type is not (JTokenType.Object or JTokenType.Array or JTokenType.String))
        {
            return token;
        }

        // Most payloads are small: an upper bound of their JSON size, found without writing it, settles them.
        if (MaxJsonBytes(token, options.MaxLoggedPayloadSize) <= options.MaxLoggedPayloadSize)
        {
            return token;
        }

        // UTF-8 takes at most 3 bytes per UTF-16 char: short JSON needs no byte count.
        var json = token.ToString(Formatting.None);
        if (json.Length <= options.MaxLoggedPayloadSize / 3)
        {
            return token;
        }

        var size = Encoding.UTF8.GetByteCount(json);
        if (size <= options.MaxLoggedPayloadSize)
        {
            return token;
        }

        return new JObject
        {
            ["_truncated"] = true,
            ["size"] = size,
            ["preview"] = json[..Math.Min(json.Length, options.TruncatedPreviewLength)],
        };
    }
}
