using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The append-only run log: one header row per execution (<c>executions</c>) and one row per step attempt
/// (<c>execution_steps</c>, keyed by execution and <c>seq</c>, its <see cref="FlowsJson.StepExecution"/> document). Every write is what changed, never the whole execution again:
/// start upserts the header and replaces the step rows (a redelivery's), an append inserts one row with the next
/// <c>seq</c> (taken from the header row under its row lock, so concurrent appends of fan-out branches, on any node, are
/// all kept in order), rebound, resume and finish update the header. Every node writes and reads the same rows: nothing
/// is cached.
/// </summary>
/// <remarks>
/// <para>Writes go through <see cref="PostgreSqlWriteBatcher"/>: the writes of concurrent executions meet in one round trip.
/// A start does not wait for its write (a worker's next write of that execution, its finish, is sent after it in the same
/// order, and reports its failure): an execution costs the worker one wait on the database, at its finish. Every read or
/// other write of an execution waits for its start first (read-your-writes); a list waits for every start in flight. Like
/// every run-log write here, a start is committed without waiting for the WAL flush (repaired by redelivery).</para>
/// <para>The count cap (<see cref="WebhookFlowsOptions.RunLogMaxCountPerFlow"/>) holds between prunes: after every
/// <c>max(1, cap / 16)</c> finishes of a flow on a node, that node deletes the flow's oldest finished executions beyond the
/// cap. A flow holds at most the cap plus one such batch per node of finished executions at any moment.</para>
/// </remarks>
internal sealed class PostgreSqlExecutionStore : IExecutionStore
{
    private const string HeaderColumns =
        "id, flow_id, flow_version, request_id, message_id, status, started_at, finished_at, delivery_count, pending_rebounds, " +
        "failed_step_id, failed_message, failed_step_outputs, failed_attempt";

    private const string StepColumns = "data";

    private readonly PostgreSqlDatabase _database;
    private readonly ILogger _logger;
    private readonly int _cap;
    private readonly int _trimEvery;
    private readonly Dictionary<string, int> _finishesSinceTrim = new(StringComparer.Ordinal);
    private readonly PostgreSqlWriteBatcher _writes;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _behind = new(StringComparer.Ordinal);

    public PostgreSqlExecutionStore(PostgreSqlDatabase database, IOptions<WebhookFlowsOptions> options, ILogger<PostgreSqlExecutionStore>? logger = null)
    {
        _database = database;
        _writes = new PostgreSqlWriteBatcher(database);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _cap = Math.Max(1, options.Value.RunLogMaxCountPerFlow);
        _trimEvery = Math.Max(1, _cap / 16);
    }

    public ValueTask StartAsync(FlowExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        cancellationToken.ThrowIfCancellationRequested();
        var steps = execution.Steps.Select(Truncate).ToArray();
        var stepDocuments = steps.Select(StepDocument).ToArray();
        // A redelivery starts the same entry again: its start time kept, the rest replaced, its old step rows deleted. Sent
        // with the other executions' writes of the moment, in one round trip and one implicit transaction, behind the caller
        // (see the remarks: the execution's next write or read waits for it, and reports its failure).
        var write = _writes.WriteAsync(() =>
        {
            var commands = new List<NpgsqlBatchCommand>(steps.Length + 2)
            {
                BatchCommand("""
                    INSERT INTO executions (id, flow_id, flow_version, request_id, message_id, status, started_at, finished_at, delivery_count,
                        pending_rebounds, failed_step_id, failed_message, failed_step_outputs, failed_attempt, next_seq)
                    VALUES ($1, $2, $3, $4, $5, 'running', $6, NULL, $7, 0, NULL, NULL, NULL, NULL, $8)
                    ON CONFLICT (id) DO UPDATE SET flow_version = excluded.flow_version, request_id = excluded.request_id,
                        message_id = excluded.message_id, status = 'running', finished_at = NULL,
                        delivery_count = GREATEST(executions.delivery_count, excluded.delivery_count), pending_rebounds = 0,
                        failed_step_id = NULL, failed_message = NULL, failed_step_outputs = NULL, failed_attempt = NULL, next_seq = excluded.next_seq;
                    """, execution.Id, execution.FlowId, execution.FlowVersion, execution.RequestId, execution.MessageId, execution.StartedAt.UtcTicks,
                    execution.DeliveryCount, steps.Length),
                BatchCommand("DELETE FROM execution_steps WHERE execution_id = $1;", execution.Id),
            };
            for (var i = 0; i < steps.Length; i++)
            {
                commands.Add(InsertStep(execution.Id, i, stepDocuments[i]));
            }

            return commands.ToArray();
        }, cancellationToken: CancellationToken.None).AsTask();
        _behind[execution.Id] = write;
        _ = write.ContinueWith(
            (done, state) =>
            {
                var (store, id) = ((PostgreSqlExecutionStore, string))state!;
                if (done.IsCompletedSuccessfully)
                {
                    store._behind.TryRemove(new KeyValuePair<string, Task>(id, done));
                }
                else
                {
                    _ = done.Exception; // Observed here; reported by the execution's next write or read.
                }
            },
            (this, execution.Id), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Waits for the start of <paramref name="executionId"/> still being written, if any, and throws its failure (then
    /// forgotten: the caller reports it). Called after the caller's own write was sent, or before its read.
    /// </summary>
    private async ValueTask BehindAsync(string executionId, bool rethrow = true)
    {
        if (!_behind.TryGetValue(executionId, out var write))
        {
            return;
        }

        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception) when (!rethrow)
        {
        }
        catch (Exception)
        {
            _behind.TryRemove(new KeyValuePair<string, Task>(executionId, write));
            throw;
        }
    }

    /// <summary>Waits for every start still being written (their failures are not this caller's).</summary>
    private async ValueTask AllBehindAsync()
    {
        foreach (var write in _behind.Values.ToArray())
        {
            try
            {
                await write.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Reported to the execution's own next write.
            }
        }
    }

    public async ValueTask AppendStepAsync(string executionId, StepExecution step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        var logged = Truncate(step);
        var document = StepDocument(logged);

        // One statement: the header row's lock orders concurrent appends; the step row takes the number it handed out.
        var appended = (await _writes.WriteAsync(() =>
        [
            BatchCommand($"""
                WITH next AS (UPDATE executions SET next_seq = next_seq + 1 WHERE id = $1 RETURNING next_seq - 1 AS seq)
                INSERT INTO execution_steps (execution_id, seq, {StepColumns})
                SELECT $1, seq, $2 FROM next;
                """, executionId, document),
        ], cancellationToken: cancellationToken).ConfigureAwait(false))[0];
        await BehindAsync(executionId).ConfigureAwait(false);
        if (appended == 0)
        {
            throw NotFound(executionId);
        }
    }

    public async ValueTask AddPendingReboundAsync(string executionId, CancellationToken cancellationToken = default)
    {
        await BehindAsync(executionId).ConfigureAwait(false);
        if (await UpdateAsync("UPDATE executions SET pending_rebounds = pending_rebounds + 1 WHERE id = $1;", cancellationToken, executionId).ConfigureAwait(false) == 0)
        {
            throw NotFound(executionId);
        }
    }

    public async ValueTask ResumeAsync(string executionId, bool rebound, int deliveryCount = 1, CancellationToken cancellationToken = default)
    {
        await BehindAsync(executionId).ConfigureAwait(false);
        var updated = await UpdateAsync("""
            UPDATE executions SET status = 'running', finished_at = NULL, failed_step_id = NULL, failed_message = NULL, failed_step_outputs = NULL,
                failed_attempt = NULL, pending_rebounds = GREATEST(0, pending_rebounds - $2), delivery_count = GREATEST(delivery_count, $3)
            WHERE id = $1;
            """, cancellationToken, executionId, rebound ? 1 : 0, deliveryCount).ConfigureAwait(false);
        if (updated == 0)
        {
            throw NotFound(executionId);
        }
    }

    public async ValueTask<FlowExecution> FinishAsync(string executionId, bool failed, ExecutionFailure? failure, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        // Failed when told or already failed; rebounding while rebounds wait (no end time); else succeeded. A failure given
        // replaces the recorded one; none keeps it. The update and the read of the steps go in one batch, with the other
        // executions' writes of the moment.
        FlowExecution? header = null;
        var steps = new List<StepExecution>();
        var message = failure is null ? null : PostgreSqlJson.Write(failure.Message);
        var outputs = failure is null ? null : PostgreSqlJson.Write(failure.StepOutputs);
        await _writes.WriteAsync(() =>
        [
            BatchCommand($"""
                WITH ended AS (
                    UPDATE executions SET
                        status = CASE WHEN $2 OR status = 'failed' THEN 'failed' WHEN pending_rebounds > 0 THEN 'rebounding' ELSE 'succeeded' END,
                        finished_at = CASE WHEN NOT ($2 OR status = 'failed') AND pending_rebounds > 0 THEN NULL ELSE $3 END,
                        failed_step_id = COALESCE($4::text, failed_step_id), failed_message = CASE WHEN $4::text IS NULL THEN failed_message ELSE $5::text END,
                        failed_step_outputs = CASE WHEN $4::text IS NULL THEN failed_step_outputs ELSE $6::text END,
                        failed_attempt = CASE WHEN $4::text IS NULL THEN failed_attempt ELSE $7::integer END
                    WHERE id = $1
                    RETURNING {HeaderColumns})
                SELECT * FROM ended;
                """, executionId, failed, finishedAt.UtcTicks, failure?.StepId, message, outputs, failure?.Attempt),
            BatchCommand($"SELECT {StepColumns} FROM execution_steps WHERE execution_id = $1 ORDER BY seq;", executionId),
        ], resultSets: 2, read: async (reader, set, ct) =>
        {
            if (set == 0)
            {
                steps.Clear();
                header = await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadHeader(reader) : null;
                return;
            }

            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                steps.Add(ReadStep(reader, 0));
            }
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await BehindAsync(executionId).ConfigureAwait(false);
        var execution = (header ?? throw NotFound(executionId)) with { Steps = steps };

        if (execution.Status is ExecutionStatus.Succeeded or ExecutionStatus.Failed)
        {
            await TrimWhenDueAsync(execution.FlowId, cancellationToken).ConfigureAwait(false);
        }

        return execution;
    }

    public async ValueTask<bool> TrySetStatusAsync(string executionId, ExecutionStatus expected, ExecutionStatus status, DateTimeOffset? finishedAt, CancellationToken cancellationToken = default)
    {
        await BehindAsync(executionId).ConfigureAwait(false);
        var flowId = await _database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "UPDATE executions SET status = $3, finished_at = $4 WHERE id = $1 AND status = $2 RETURNING flow_id;", null,
                executionId, Name(expected), Name(status), finishedAt?.UtcTicks);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
        }, cancellationToken, relaxed: true).ConfigureAwait(false);
        if (flowId is null)
        {
            return false;
        }

        if (status is ExecutionStatus.Succeeded or ExecutionStatus.Failed)
        {
            await TrimWhenDueAsync(flowId, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public async ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        await BehindAsync(executionId, rethrow: false).ConfigureAwait(false);
        return await _database.RunAsync(async (connection, ct) =>
        {
            FlowExecution? header;
            await using (var command = PostgreSqlDatabase.Command(connection, $"SELECT {HeaderColumns} FROM executions WHERE id = $1;", null, executionId))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                header = await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadHeader(reader) : null;
            }

            return header is null ? null : header with { Steps = await ReadStepsAsync(connection, executionId, ct).ConfigureAwait(false) };
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await AllBehindAsync().ConfigureAwait(false);
        return await _database.RunAsync<IReadOnlyList<FlowExecution>>(async (connection, ct) =>
        {
            var headers = new List<FlowExecution>();
            await using (var command = PostgreSqlDatabase.Command(connection, $"""
                SELECT {HeaderColumns} FROM executions
                WHERE flow_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR started_at >= $3) AND ($4::bigint IS NULL OR started_at < $4)
                ORDER BY started_at DESC, id DESC OFFSET $5 LIMIT $6;
                """, null, query.FlowId, query.Status is { } status ? Name(status) : null, query.From?.UtcTicks, query.To?.UtcTicks,
                (long)Math.Max(query.Skip, 0), (long)Math.Max(query.Limit, 0)))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    headers.Add(ReadHeader(reader));
                }
            }

            if (headers.Count == 0)
            {
                return headers;
            }

            var steps = headers.ToDictionary(h => h.Id, _ => new List<StepExecution>(), StringComparer.Ordinal);
            await using (var command = PostgreSqlDatabase.Command(connection,
                $"SELECT execution_id, {StepColumns} FROM execution_steps WHERE execution_id = ANY($1) ORDER BY execution_id, seq;", null,
                (object)headers.Select(h => h.Id).ToArray()))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    steps[reader.GetString(0)].Add(ReadStep(reader, 1));
                }
            }

            return headers.Select(h => h with { Steps = steps[h.Id] }).ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default) =>
        _database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, """
                WITH ranked AS (
                    SELECT id, started_at, row_number() OVER (ORDER BY started_at DESC, id DESC) AS n
                    FROM executions WHERE flow_id = $1 AND status IN ('succeeded', 'failed'))
                DELETE FROM executions e USING ranked r WHERE e.id = r.id AND (r.started_at < $2 OR r.n > $3);
                """, null, flowId, olderThan.UtcTicks, (long)Math.Max(keepNewest, 0));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    private async ValueTask TrimWhenDueAsync(string flowId, CancellationToken cancellationToken)
    {
        lock (_finishesSinceTrim)
        {
            var count = _finishesSinceTrim.GetValueOrDefault(flowId) + 1;
            if (count < _trimEvery)
            {
                _finishesSinceTrim[flowId] = count;
                return;
            }

            _finishesSinceTrim.Remove(flowId);
        }

        try
        {
            await _database.RunAsync(async (connection, ct) =>
            {
                await using var command = PostgreSqlDatabase.Command(connection, """
                    DELETE FROM executions WHERE id IN (
                        SELECT id FROM executions WHERE flow_id = $1 AND status IN ('succeeded', 'failed')
                        ORDER BY started_at DESC, id DESC OFFSET $2);
                    """, null, flowId, (long)_cap);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageUnavailableException or NpgsqlException)
        {
            Log.RunLogTrimFailed(_logger, flowId, e);
        }
    }

    private ValueTask<int> UpdateAsync(string sql, CancellationToken cancellationToken, params object?[] parameters) =>
        _database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, sql, null, parameters);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken, relaxed: true);

    private static async Task<IReadOnlyList<StepExecution>> ReadStepsAsync(NpgsqlConnection connection, string executionId, CancellationToken cancellationToken)
    {
        var steps = new List<StepExecution>();
        await using var command = PostgreSqlDatabase.Command(connection, $"SELECT {StepColumns} FROM execution_steps WHERE execution_id = $1 ORDER BY seq;", null, executionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            steps.Add(ReadStep(reader, 0));
        }

        return steps;
    }

    private static FlowExecution ReadHeader(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        FlowId = reader.GetString(1),
        FlowVersion = reader.GetInt32(2),
        RequestId = reader.GetString(3),
        MessageId = reader.GetString(4),
        Status = Status(reader.GetString(5)),
        StartedAt = new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero),
        FinishedAt = reader.IsDBNull(7) ? null : new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero),
        DeliveryCount = reader.GetInt32(8),
        PendingRebounds = reader.GetInt32(9),
        Failure = reader.IsDBNull(10) ? null : new ExecutionFailure(
            reader.GetString(10),
            PostgreSqlJson.ParseObject(reader.GetString(11)),
            PostgreSqlJson.ParseObject(reader.GetString(12)),
            reader.GetInt32(13)),
    };

    private static StepExecution ReadStep(NpgsqlDataReader reader, int offset) => FlowsJson.ReadStepExecution(FlowsJson.Parse(reader.GetString(offset)));

    /// <summary>The step attempt's row: its <see cref="FlowsJson.StepExecution"/> document.</summary>
    private static string StepDocument(StepExecution step)
    {
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = new Newtonsoft.Json.JsonTextWriter(text) { Formatting = Newtonsoft.Json.Formatting.None })
        {
            FlowsJson.WriteStepExecution(writer, step);
        }

        return text.ToString();
    }

    private static NpgsqlBatchCommand InsertStep(string executionId, int seq, string stepDocument) =>
        BatchCommand($"INSERT INTO execution_steps (execution_id, seq, {StepColumns}) VALUES ($1, $2, $3);", executionId, seq, stepDocument);

    private static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>The step as the log keeps it: an input or output over the size limit replaced by a preview.</summary>
    private StepExecution Truncate(StepExecution step)
    {
        var input = Cut(step.Input);
        var output = Cut(step.Output);
        return ReferenceEquals(input, step.Input) && ReferenceEquals(output, step.Output) ? step : step with { Input = input, Output = output };
    }

    private JToken? Cut(JToken? token)
    {
        if (token is null or JValue)
        {
            return token;
        }

        var json = PostgreSqlJson.Write(token);
        var options = _database.Options;
        return json.Length <= options.MaxLoggedPayloadSize ? token : new JObject
        {
            ["_truncated"] = true,
            ["size"] = System.Text.Encoding.UTF8.GetByteCount(json),
            ["preview"] = json[..Math.Min(json.Length, options.TruncatedPreviewLength)],
        };
    }

    private static string Name(ExecutionStatus status) => FlowsJson.Status(status);

    private static ExecutionStatus Status(string name) => Enum.Parse<ExecutionStatus>(name, ignoreCase: true);

    private static KeyNotFoundException NotFound(string executionId) => new($"Execution '{executionId}' was not found.");
}
