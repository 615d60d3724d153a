using System.Text;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The run log, append-only: a header row per execution in <c>executions</c> (its status and the small JSON of its header, no
/// steps) and one row per step attempt in <c>execution_steps</c> (keyed by the execution row's integer key and the attempt's
/// number), each written once as its own JSON. Bytes written per execution
/// grow linearly with its steps. An execution is keyed by its id (assigned when the hook accepted the request), so a redelivered
/// message starts its own entry again (start time kept, old step rows deleted) instead of adding one; the entry's delivery count
/// comes from the queue row of the message. Step inputs and outputs larger than <see cref="SqliteStorageOptions.MaxLoggedPayloadSize"/>
/// are replaced by a marker.
/// </summary>
/// <remarks>
/// <para>
/// Writes are written behind (see <see cref="SqliteDatabase.WriteBehind{T}"/>): the worker does not wait for the disk; a crash
/// loses at most the last writes of executions whose messages are then delivered again. The writes of one execution that meet
/// before the writer takes them go as one write item (the latest header once, the new step rows each once).
/// </para>
/// <para>
/// The store is the only writer of its file (a process lock guards it), so the executions this process is running are kept in
/// memory as well (header, steps, next step number) until their last write is committed: appends and finishes need no read, and
/// reads of them see the latest writes. An execution not in memory (a rebound or retry after a restart) is read from the file once.
/// </para>
/// <para>
/// Retention by count: after every <c>max(1, RunLogMaxCountPerFlow / 16)</c> finishes of a flow, its oldest finished executions
/// beyond <see cref="WebhookFlowsOptions.RunLogMaxCountPerFlow"/> are found on a read connection (from the old end of the flow's
/// index, with the flow's finished count kept in memory and counted in the file every 16 trims) and deleted by the writer; so a
/// flow never holds more than the cap plus one batch of finished executions. A trigger deletes the step rows of a deleted execution.
/// </para>
/// </remarks>
internal sealed class SqliteExecutionStore : IExecutionStore, IUtf8StepLog
{
    private const string UpsertHeader = """
        INSERT INTO executions (id, flow_id, request_id, status, started_at, delivery_count, data)
        VALUES ($id, $flow, $request, $status, $started, $deliveries, $data)
        ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, data = excluded.data,
            delivery_count = MAX(executions.delivery_count, excluded.delivery_count)
        RETURNING seq;
        """;

    private const string InsertStep = "INSERT INTO execution_steps (execution, seq, data) VALUES ($execution, $seq, $data);";

    private const string DeleteSteps = "DELETE FROM execution_steps WHERE execution = $execution;";

    private const string SelectHeader = "SELECT data, started_at, delivery_count, seq FROM executions WHERE id = $id;";

    private const string SelectKey = "SELECT seq FROM executions WHERE id = $id;";

    private const string SelectSteps = "SELECT seq, data FROM execution_steps WHERE execution = $execution ORDER BY seq;";

    private const string CountFinishedOfFlow = "SELECT COUNT(*) FROM executions WHERE flow_id = $flow AND status IN ('Succeeded', 'Failed');";

    private const string OldestFinished = """
        SELECT id FROM executions WHERE flow_id = $flow AND status IN ('Succeeded', 'Failed')
        ORDER BY started_at ASC, id ASC LIMIT $count;
        """;

    /// <summary>How many trims of a flow use its counted finishes before it is counted in the file again.</summary>
    private const int RecountEvery = 16;

    // The trigger executions_delete_steps deletes its step rows.
    private const string DeleteFinished = """
        DELETE FROM executions WHERE id IN (SELECT value FROM json_each($ids)) AND status IN ('Succeeded', 'Failed');
        """;

    private readonly SqliteDatabase _database;
    private readonly int _maxFinishedPerFlow;
    private readonly int _trimBatch;
    private readonly object _gate = new();
    private readonly Dictionary<string, Active> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _finishedSinceTrim = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Finished, int TrimsSinceRecount)> _finishedPerFlow = new(StringComparer.Ordinal);
    private long _bytesWritten;
    private long _foldedAcks;

    private readonly ILogger _logger;

    public SqliteExecutionStore(SqliteDatabase database, IOptions<WebhookFlowsOptions> options, ILogger<SqliteExecutionStore>? logger = null)
    {
        _database = database;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _maxFinishedPerFlow = Math.Max(1, options.Value.RunLogMaxCountPerFlow);
        _trimBatch = Math.Max(1, _maxFinishedPerFlow / 16);
        database.FoldAck ??= TryFoldAck;
    }

    /// <summary>TEST SEAM: the UTF-8 bytes of JSON this store has written to the file (headers and step rows).</summary>
    internal long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>TEST SEAM: how many acknowledgements were folded into their execution's write (<see cref="TryFoldAck"/>).</summary>
    internal long FoldedAcks => Interlocked.Read(ref _foldedAcks);

    /// <summary>How many executions are kept in memory (running, or with writes not yet committed).</summary>
    internal int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    public ValueTask StartAsync(FlowExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var options = _database.Options;
        var steps = new List<StepExecution>(Math.Max(execution.Steps.Count, 4));
        var rows = new List<Row>(execution.Steps.Count);
        foreach (var step in execution.Steps)
        {
            var logged = Truncate(step, options);
            steps.Add(logged);
            rows.Add(Row.Of(rows.Count, logged));
        }

        return StartAsync(execution, steps, rows, rawFirstOutput: null);
    }

    /// <summary>
    /// Starts with the trigger's output as the worker wrote it: its step row is the step's JSON with those bytes spliced in as
    /// its output, no tree built (one within <see cref="SqliteStorageOptions.MaxLoggedPayloadSize"/>; a larger one goes the
    /// tree's way, to be cut to its marker).
    /// </summary>
    public ValueTask StartAsync(FlowExecution execution, StepExecution triggerStep, MessageBody triggerOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(triggerStep);
        ArgumentNullException.ThrowIfNull(triggerOutput);
        var step = triggerStep.Output is null ? triggerStep : triggerStep with { Output = null };
        if (step.Input is null && triggerOutput.Length <= _database.Options.MaxLoggedPayloadSize && Row.OfRaw(0, step, triggerOutput) is { } row)
        {
            return StartAsync(execution, [step], [row], triggerOutput);
        }

        return StartAsync(execution with { Steps = [triggerStep with { Output = triggerOutput.ToObject() }] }, cancellationToken);
    }

    /// <param name="execution">The execution.</param>
    /// <param name="steps">Its first steps, as kept in memory.</param>
    /// <param name="rows">Their rows.</param>
    /// <param name="rawFirstOutput">The output of the first step when it is kept as bytes (the step's own output is then null).</param>
    private async ValueTask StartAsync(FlowExecution execution, List<StepExecution> steps, List<Row> rows, MessageBody? rawFirstOutput)
    {
        // The delivery count says whether this is the message's first delivery: then its id is new, nothing of it is stored
        // (a redelivery after a restart counts on from the queue row's deliveries).
        var deliveries = Math.Max(1, execution.DeliveryCount);
        var first = deliveries == 1;
        var header = (execution.Steps.Count == 0 ? execution : execution with { Steps = [] }) with
        {
            Status = ExecutionStatus.Running,
            DeliveryCount = deliveries,
        };

        if (!first && Find(execution.Id) is null)
        {
            // Maybe a redelivery after a restart: its entry's start time is kept (the file holds all its writes: none is pending).
            var stored = await _database.ReadAsync(context =>
            {
                var command = context.Command("SELECT started_at FROM executions WHERE id = $id;");
                command.Parameters.AddWithValue("$id", execution.Id);
                return command.ExecuteScalar() is long ticks ? ticks : (long?)null;
            }).ConfigureAwait(false);
            if (stored is { } ticks && ticks != header.StartedAt.UtcTicks)
            {
                header = header with { StartedAt = new DateTimeOffset(ticks, TimeSpan.Zero) };
            }
        }

        while (true)
        {
            Active? active;
            bool cached;
            lock (_gate)
            {
                cached = _active.TryGetValue(execution.Id, out active) && !active.Evicted;
                if (!cached)
                {
                    _active[execution.Id] = active = new Active(header, steps) { RawFirstOutput = rawFirstOutput };
                }
            }

            lock (active!)
            {
                if (active.Evicted)
                {
                    continue;
                }

                if (cached)
                {
                    // Started again in this process: its start time is kept.
                    active.Header = header with
                    {
                        StartedAt = active.Header.StartedAt,
                        DeliveryCount = Math.Max(deliveries, active.Header.DeliveryCount),
                    };
                    active.Steps = steps;
                    active.RawFirstOutput = rawFirstOutput;
                }

                var batch = BatchOf(active, out var queue);
                batch.Restart = true; // Cheap for a new execution (its key is the table's last); needed for any other.
                batch.Steps.Clear();
                batch.Steps.AddRange(rows);
                active.NextSeq = rows.Count;
                SetHeader(active, batch, active.Header);
                Queue(active, batch, queue);
                return;
            }
        }
    }

    public async ValueTask AppendStepAsync(string executionId, StepExecution step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        var logged = Truncate(step, _database.Options);
        var row = Row.Of(0, logged);
        while (true)
        {
            var active = await ActiveAsync(executionId).ConfigureAwait(false);
            lock (active)
            {
                if (active.Evicted)
                {
                    continue;
                }

                var batch = BatchOf(active, out var queue);
                active.Steps.Add(logged);
                batch.Steps.Add(row with { Seq = active.NextSeq++ });
                Queue(active, batch, queue);
                return;
            }
        }
    }

    public ValueTask AddPendingReboundAsync(string executionId, CancellationToken cancellationToken = default) =>
        ChangeHeaderAsync(executionId, header => header with { PendingRebounds = header.PendingRebounds + 1 });

    public ValueTask ResumeAsync(string executionId, bool rebound, int deliveryCount = 1, CancellationToken cancellationToken = default)
    {
        var deliveries = deliveryCount;
        return ChangeHeaderAsync(executionId, header => header with
        {
            Status = ExecutionStatus.Running,
            FinishedAt = null,
            Failure = null,
            PendingRebounds = Math.Max(0, header.PendingRebounds - (rebound ? 1 : 0)),
            DeliveryCount = Math.Max(header.DeliveryCount, deliveries),
        });
    }

    public async ValueTask<FlowExecution> FinishAsync(string executionId, bool failed, ExecutionFailure? failure, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var active = await ActiveAsync(executionId).ConfigureAwait(false);
            FlowExecution snapshot;
            lock (active)
            {
                if (active.Evicted)
                {
                    continue;
                }

                var header = active.Header;
                var status = failed || header.Status == ExecutionStatus.Failed ? ExecutionStatus.Failed
                    : header.PendingRebounds > 0 ? ExecutionStatus.Rebounding
                    : ExecutionStatus.Succeeded;
                var batch = BatchOf(active, out var queue);
                SetHeader(active, batch, header with
                {
                    Status = status,
                    FinishedAt = status == ExecutionStatus.Rebounding ? null : finishedAt,
                    Failure = failure ?? header.Failure,
                });
                snapshot = active.Snapshot();
                Queue(active, batch, queue);
            }

            if (snapshot.Status is ExecutionStatus.Succeeded or ExecutionStatus.Failed)
            {
                await CountFinishedAsync(snapshot.FlowId).ConfigureAwait(false);
            }

            return snapshot;
        }
    }

    public async ValueTask<bool> TrySetStatusAsync(string executionId, ExecutionStatus expected, ExecutionStatus status, DateTimeOffset? finishedAt, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var active = await TryActiveAsync(executionId).ConfigureAwait(false);
            if (active is null)
            {
                return false;
            }

            string flowId;
            lock (active)
            {
                if (active.Evicted)
                {
                    continue;
                }

                if (active.Header.Status != expected)
                {
                    return false;
                }

                var batch = BatchOf(active, out var queue);
                SetHeader(active, batch, active.Header with { Status = status, FinishedAt = finishedAt });
                Queue(active, batch, queue);
                flowId = active.Header.FlowId;
            }

            if (status is ExecutionStatus.Succeeded or ExecutionStatus.Failed)
            {
                await CountFinishedAsync(flowId).ConfigureAwait(false);
            }

            return true;
        }
    }

    public async ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        if (Find(executionId) is { } active)
        {
            lock (active)
            {
                if (!active.Evicted)
                {
                    return active.Snapshot();
                }
            }
        }

        // Not in memory: every write of it is committed.
        return await _database.ReadAsync(context => ReadExecution(context, executionId)?.Snapshot()).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _database.FlushAsync().ConfigureAwait(false);
        return await _database.ReadAsync<IReadOnlyList<FlowExecution>>(context =>
        {
            var command = context.Command("""
                SELECT data, started_at, delivery_count, seq FROM executions
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
            var headers = new List<(FlowExecution Header, long Key)>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    headers.Add((ReadHeader(reader), reader.GetInt64(3)));
                }
            }

            return headers.Select(h => h.Header with { Steps = ReadSteps(context, h.Key, out _) }).ToArray();
        }).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ExecutionCount>> CountAsync(ExecutionCountQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _database.FlushAsync().ConfigureAwait(false);
        return await _database.ReadAsync<IReadOnlyList<ExecutionCount>>(context =>
        {
            // Times are UTC ticks: a bucket is an integer division, counted by the index on (flow_id, started_at).
            var command = context.Command("""
                SELECT (started_at - $from) / $size AS bucket, status, COUNT(*) FROM executions
                WHERE flow_id = $flow AND started_at >= $from AND started_at < $to
                GROUP BY bucket, status ORDER BY bucket;
                """);
            command.Parameters.AddWithValue("$flow", query.FlowId);
            command.Parameters.AddWithValue("$from", query.From.UtcTicks);
            command.Parameters.AddWithValue("$to", query.To.UtcTicks);
            command.Parameters.AddWithValue("$size", query.BucketSize > TimeSpan.Zero ? query.BucketSize.Ticks : long.MaxValue);
            var counts = new List<ExecutionCount>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var bucket = reader.GetInt64(0);
                var status = Enum.Parse<ExecutionStatus>(reader.GetString(1));
                counts.Add(new ExecutionCount(query.From + (query.BucketSize * bucket), status, reader.GetInt32(2)));
            }

            return counts;
        }).ConfigureAwait(false);
    }

    public async ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _finishedPerFlow.Remove(flowId); // Counted in the file again at the next trim.
        }

        return await _database.WriteAsync(context =>
        {
            // Finished executions only (running and rebounding ones are kept), numbered newest first as the run log lists them.
            // The trigger executions_delete_steps deletes their step rows.
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
    }

    private async ValueTask ChangeHeaderAsync(string executionId, Func<FlowExecution, FlowExecution> change)
    {
        while (true)
        {
            var active = await ActiveAsync(executionId).ConfigureAwait(false);
            lock (active)
            {
                if (active.Evicted)
                {
                    continue;
                }

                var batch = BatchOf(active, out var queue);
                SetHeader(active, batch, change(active.Header));
                Queue(active, batch, queue);
                return;
            }
        }
    }

    /// <summary>The entry kept in memory for an execution, or <see langword="null"/>.</summary>
    private Active? Find(string executionId)
    {
        lock (_gate)
        {
            return _active.TryGetValue(executionId, out var active) && !active.Evicted ? active : null;
        }
    }

    /// <summary>The entry in memory for an execution, read from the file when it is not.</summary>
    private async ValueTask<Active> ActiveAsync(string executionId) =>
        await TryActiveAsync(executionId).ConfigureAwait(false) ?? throw new KeyNotFoundException($"Execution '{executionId}' was not found.");

    private async ValueTask<Active?> TryActiveAsync(string executionId)
    {
        if (Find(executionId) is { } kept)
        {
            return kept;
        }

        // Not in memory: all its writes are committed (an entry is dropped only once its last write is).
        var read = await _database.ReadAsync(context => ReadExecution(context, executionId)).ConfigureAwait(false);
        if (read is null)
        {
            return null;
        }

        lock (_gate)
        {
            // Another caller may have read it meanwhile: the first one kept wins.
            if (_active.TryGetValue(executionId, out var active) && !active.Evicted)
            {
                return active;
            }

            _active[executionId] = read;
            return read;
        }
    }

    private static Active? ReadExecution(SqliteDatabase.ReadContext context, string executionId)
    {
        var command = context.Command(SelectHeader);
        command.Parameters.AddWithValue("$id", executionId);
        FlowExecution header;
        long key;
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            header = ReadHeader(reader);
            key = reader.GetInt64(3);
        }

        var steps = ReadSteps(context, key, out var next);
        return new Active(header, [.. steps]) { NextSeq = next, Key = key };
    }

    /// <summary>Reads a header row: its JSON, with the start time and delivery count of its columns (which redeliveries keep).</summary>
    private static FlowExecution ReadHeader(SqliteDataReader reader)
    {
        var header = FlowsJson.ReadExecution(FlowsJson.Parse(reader.GetString(0)));
        var started = reader.GetInt64(1);
        return header with
        {
            StartedAt = header.StartedAt.UtcTicks == started ? header.StartedAt : new DateTimeOffset(started, TimeSpan.Zero),
            DeliveryCount = reader.GetInt32(2),
        };
    }

    private static StepExecution[] ReadSteps(SqliteDatabase.ReadContext context, long key, out int next)
    {
        var command = context.Command(SelectSteps);
        command.Parameters.AddWithValue("$execution", key);
        using var reader = command.ExecuteReader();
        var steps = new List<StepExecution>();
        next = 0;
        while (reader.Read())
        {
            next = reader.GetInt32(0) + 1;
            steps.Add(FlowsJson.ReadStepExecution(FlowsJson.Parse(reader.GetString(1))));
        }

        return [.. steps];
    }

    /// <summary>The write item of <paramref name="active"/> that the writer has not taken yet, or a new one to queue.</summary>
    private static Batch BatchOf(Active active, out bool queue)
    {
        queue = active.Pending is null || active.Pending.Taken;
        if (queue)
        {
            active.Pending = new Batch(active);
        }

        return active.Pending!;
    }

    /// <summary>A document in <see cref="FlowsJson"/>'s stored form, written as text without building a tree.</summary>
    private static string Write<T>(T value, Action<JsonWriter, T> write)
    {
        var text = new StringWriter(new StringBuilder(256), System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = new JsonTextWriter(text) { Formatting = Formatting.None })
        {
            write(writer, value);
        }

        return text.ToString();
    }

    private static void SetHeader(Active active, Batch batch, FlowExecution header)
    {
        // Its JSON is written when the writer takes the batch: a header changed again before then (a start and its finish,
        // which usually meet in one batch) is written once.
        active.Header = header;
        batch.Header = header;
    }

    /// <summary>
    /// Queues <paramref name="batch"/> when it is new; called holding the entry's lock (<see cref="Written"/> may then run inline,
    /// when the store is shut down: it takes the store's lock inside the entry's, the only order the two are ever nested in).
    /// </summary>
    private void Queue(Active active, Batch batch, bool queue)
    {
        if (!queue)
        {
            return;
        }

        var id = active.Header.Id;
        _database.QueueBehind(context => Write(context, batch), onFailed: () => _database.UnloggedExecutions[id] = true, after: () => Written(active, batch));
    }

    /// <summary>
    /// After a write of an entry is committed (or failed and logged): once its last write is done and it is not running, the
    /// file alone holds it and it leaves memory.
    /// </summary>
    private void Written(Active active, Batch batch)
    {
        lock (active)
        {
            if (!ReferenceEquals(active.Pending, batch))
            {
                return;
            }

            active.Pending = null;
            if (active.Header.Status == ExecutionStatus.Running)
            {
                return;
            }

            active.Evicted = true;
        }

        lock (_gate)
        {
            if (_active.TryGetValue(active.Header.Id, out var kept) && ReferenceEquals(kept, active))
            {
                _active.Remove(active.Header.Id);
            }
        }
    }

    /// <summary>
    /// Runs on the writer: the latest header once, the old steps deleted on a restart, each new step row, and the acknowledgements
    /// folded into the batch (the queue rows deleted last).
    /// </summary>
    private int Write(SqliteDatabase.WriteContext context, Batch batch)
    {
        FlowExecution? header;
        bool restart;
        Row[] steps;
        List<long>? acks;
        lock (batch.Owner)
        {
            batch.Taken = true;
            header = batch.Header;
            restart = batch.Restart;
            steps = batch.Steps.Count == 0 ? [] : [.. batch.Steps];
            acks = batch.Acks;
        }

        long written = 0;
        var changed = 0;
        var owner = batch.Owner;
        if (header is not null)
        {
            var headerJson = Write(header, FlowsJson.WriteExecutionHeader);
            var command = context.Prepared(UpsertHeader, "$id", "$flow", "$request", "$status", "$started", "$deliveries", "$data");
            var parameters = command.Parameters;
            parameters[0].Value = header.Id;
            parameters[1].Value = header.FlowId;
            parameters[2].Value = header.RequestId;
            parameters[3].Value = StatusText(header.Status);
            parameters[4].Value = header.StartedAt.UtcTicks;
            parameters[5].Value = header.DeliveryCount;
            parameters[6].Value = headerJson;

            // The row's key: kept by the entry for its later writes (only the writer sets and reads it after the entry is shared).
            owner.Key = (long)command.ExecuteScalar()!;
            changed++;
            written += Encoding.UTF8.GetByteCount(headerJson);
        }
        else if (owner.Key == 0)
        {
            var command = context.Command(SelectKey);
            command.Parameters.AddWithValue("$id", owner.Header.Id);
            owner.Key = command.ExecuteScalar() as long? ?? throw new KeyNotFoundException($"Execution '{owner.Header.Id}' was not found.");
        }

        if (restart)
        {
            var command = context.Prepared(DeleteSteps, "$execution");
            command.Parameters[0].Value = owner.Key;
            changed += command.ExecuteNonQuery();
        }

        foreach (var row in steps)
        {
            var command = context.Prepared(InsertStep, "$execution", "$seq", "$data");
            var parameters = command.Parameters;
            parameters[0].Value = owner.Key;
            parameters[1].Value = row.Seq;
            parameters[2].Value = row.Json;
            changed += command.ExecuteNonQuery();
            written += row.Bytes;
        }

        Interlocked.Add(ref _bytesWritten, written);
        if (acks is not null)
        {
            foreach (var seq in acks)
            {
                changed += SqliteFlowQueue.DeleteAcknowledged(context, _database, owner.Header.Id, seq);
            }
        }

        return changed;
    }

    /// <summary>The status column's text (the enum's name), without formatting the enum each time.</summary>
    private static string StatusText(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Running => nameof(ExecutionStatus.Running),
        ExecutionStatus.Succeeded => nameof(ExecutionStatus.Succeeded),
        ExecutionStatus.Failed => nameof(ExecutionStatus.Failed),
        ExecutionStatus.Rebounding => nameof(ExecutionStatus.Rebounding),
        _ => status.ToString(),
    };

    /// <summary>
    /// Folds the acknowledgement of the queue row <paramref name="queueSeq"/> into the execution's write that the writer has
    /// not taken yet, so that the row is deleted in the same transaction, after the execution's rows. Returns false when there
    /// is no such write (the caller queues the acknowledgement on its own, after the writes queued before it).
    /// </summary>
    internal bool TryFoldAck(string executionId, long queueSeq)
    {
        if (Find(executionId) is not { } active)
        {
            return false;
        }

        lock (active)
        {
            if (active.Evicted || active.Pending is not { Taken: false } batch)
            {
                return false;
            }

            (batch.Acks ??= new List<long>(1)).Add(queueSeq);
            Interlocked.Increment(ref _foldedAcks);
            return true;
        }
    }

    /// <summary>
    /// Counts a finish of a flow's execution; after every batch of finishes, drops the flow's oldest finished executions beyond
    /// the cap. The ones to drop are found on a read connection (not on the single writer), once this finish is committed; the
    /// writer then deletes them, each only if it is still finished (a redelivery may have started one again meanwhile).
    /// </summary>
    private async ValueTask CountFinishedAsync(string flowId)
    {
        lock (_gate)
        {
            var count = _finishedSinceTrim.GetValueOrDefault(flowId) + 1;
            _finishedSinceTrim[flowId] = count < _trimBatch ? count : 0;
            if (count < _trimBatch)
            {
                return;
            }
        }

        try
        {
            await TrimAsync(flowId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The finish itself is recorded: the caller is not failed for the trim.
            Log.RunLogTrimFailed(_logger, flowId, e);
        }
    }

    private async Task TrimAsync(string flowId)
    {
        await _database.FlushAsync().ConfigureAwait(false);
        var keep = _maxFinishedPerFlow;

        // The flow's finished executions: counted in the file now and then (the first time, and every RecountEvery trims),
        // otherwise the last count plus the batch of finishes since (a re-finished execution counts twice until the next
        // recount: it only makes a trim drop a few more). The oldest beyond the cap are then found from the index's old end,
        // a few rows, instead of skipping the newest `keep` rows of the index on every trim.
        long? known;
        lock (_gate)
        {
            known = _finishedPerFlow.TryGetValue(flowId, out var count) && count.TrimsSinceRecount < RecountEvery ? count.Finished + _trimBatch : null;
        }

        var (finished, doomed) = await _database.ReadAsync(context =>
        {
            var finished = known ?? (long)CountFinished(context, flowId);
            var ids = new List<string>();
            if (finished > keep)
            {
                var command = context.Command(OldestFinished);
                command.Parameters.AddWithValue("$flow", flowId);
                command.Parameters.AddWithValue("$count", finished - keep);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            return (finished, ids);
        }).ConfigureAwait(false);

        lock (_gate)
        {
            var trims = known is null ? 0 : _finishedPerFlow.GetValueOrDefault(flowId).TrimsSinceRecount + 1;
            _finishedPerFlow[flowId] = (finished - doomed.Count, trims);
        }

        if (doomed.Count == 0)
        {
            return;
        }

        var ids = JsonConvert.SerializeObject(doomed);
        _ = _database.WriteBehind(context =>
        {
            // One statement for the batch (the ids as a JSON array); each only if still finished.
            var command = context.Command(DeleteFinished);
            command.Parameters.AddWithValue("$ids", ids);
            return command.ExecuteNonQuery();
        });
    }

    private static long CountFinished(SqliteDatabase.ReadContext context, string flowId)
    {
        var command = context.Command(CountFinishedOfFlow);
        command.Parameters.AddWithValue("$flow", flowId);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Replaces a step's input and output over the size limit by a marker with their size and a preview.</summary>
    internal static StepExecution Truncate(StepExecution step, SqliteStorageOptions options)
    {
        var input = Cut(step.Input, options);
        var output = Cut(step.Output, options);
        return ReferenceEquals(input, step.Input) && ReferenceEquals(output, step.Output) ? step : step with { Input = input, Output = output };
    }

    /// <summary>
    /// An execution this process runs (or wrote last): its header, its steps and the number of its next step row. Its lock
    /// guards it and its pending write.
    /// </summary>
    private sealed class Active(FlowExecution header, List<StepExecution> steps)
    {
        public FlowExecution Header { get; set; } = header;

        public List<StepExecution> Steps { get; set; } = steps;

        public int NextSeq { get; set; }

        /// <summary>
        /// The output of <see cref="Steps"/>' first step when it is kept as the worker's bytes (that step's own output is then
        /// null): it becomes a tree only when a read looks at it.
        /// </summary>
        public MessageBody? RawFirstOutput { get; set; }

        /// <summary>The key (<c>seq</c>) of the execution's row, once written or read; 0 before.</summary>
        public long Key { get; set; }

        /// <summary>The write queued for this execution, until the writer has committed it.</summary>
        public Batch? Pending { get; set; }

        /// <summary>Dropped from memory (its writes all done): a caller holding it reads the execution again.</summary>
        public bool Evicted
        {
            get => Volatile.Read(ref _evicted);
            set => Volatile.Write(ref _evicted, value);
        }

        private bool _evicted;

        public FlowExecution Snapshot() => Header with
        {
            Steps = RawFirstOutput is { } raw && Steps.Count > 0 ? new LazySteps([.. Steps], raw) : Steps.ToArray(),
        };
    }

    /// <summary>
    /// The steps of a snapshot whose first step's output is still bytes: parsed when the list is first looked at, so a caller
    /// that reads only the header (the runner, after a finish) costs no tree.
    /// </summary>
    private sealed class LazySteps(StepExecution[] steps, MessageBody firstOutput) : IReadOnlyList<StepExecution>
    {
        private StepExecution[]? _steps;

        public int Count => steps.Length;

        public StepExecution this[int index] => Steps[index];

        private StepExecution[] Steps => LazyInitializer.EnsureInitialized(ref _steps, () =>
        {
            var copy = (StepExecution[])steps.Clone();
            copy[0] = copy[0] with { Output = firstOutput.ToObject() };
            return copy;
        });

        public IEnumerator<StepExecution> GetEnumerator() => ((IEnumerable<StepExecution>)Steps).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>One write item of an execution: what its calls changed since the writer took the previous one.</summary>
    private sealed class Batch(Active owner)
    {
        public Active Owner { get; } = owner;

        public FlowExecution? Header { get; set; }

        public bool Restart { get; set; }

        /// <summary>
        /// The queue rows (their <c>seq</c>) of the execution's message whose acknowledgement came before the writer took the
        /// batch: deleted after the execution's rows, in the same transaction.
        /// </summary>
        public List<long>? Acks { get; set; }

        public List<Row> Steps { get; } = [];

        /// <summary>Whether the writer has taken it; a later call then queues a write of its own.</summary>
        public bool Taken { get; set; }
    }

    /// <summary>A step row: its number, its JSON and the JSON's UTF-8 size (counted by the caller, not on the writer).</summary>
    private readonly record struct Row(int Seq, string Json, int Bytes)
    {
        public static Row Of(int seq, StepExecution step)
        {
            var json = Write(step, FlowsJson.WriteStepExecution);
            return new Row(seq, json, Encoding.UTF8.GetByteCount(json));
        }

        /// <summary>The row of <paramref name="step"/> (no input, no output) with <paramref name="output"/> as its output, as it is.</summary>
        /// <returns>The row; <see langword="null"/> if the step's JSON is not in the form expected (then the tree's way is taken).</returns>
        public static Row? OfRaw(int seq, StepExecution step, MessageBody output)
        {
            // FlowsJson writes "input" and then "output", each null here: the bytes go where the output's null is.
            const string Empty = "\"input\":null,\"output\":null,";
            var json = Write(step, FlowsJson.WriteStepExecution);
            var at = json.IndexOf(Empty, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }

            var split = at + Empty.Length - "null,".Length;
            var text = string.Concat(json.AsSpan(0, split), Encoding.UTF8.GetString(output.Utf8.Span), json.AsSpan(split + "null".Length));
            return new Row(seq, text, Encoding.UTF8.GetByteCount(json) - "null".Length + output.Length);
        }
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
